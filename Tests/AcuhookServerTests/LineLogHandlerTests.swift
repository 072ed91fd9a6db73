import AcuhookServer
import Foundation
import Logging
import Synchronization
import Testing

/// The server's log lines: text like swift-log's StreamLogHandler, or one JSON object per line.
@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    private func logger(_ format: LineLogHandler.Format, _ lines: Lines, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "acuhook") { label in
            LineLogHandler(label: label, format: format) { lines.append($0) }
        }
        logger.logLevel = level
        return logger
    }

    @Test func textLinesCarrySortedMetadataSourceAndMessage() throws {
        let lines = Lines()
        var logger = logger(.text, lines)
        logger[metadataKey: "hb.request.id"] = "7"
        logger.warning("delivery refused", metadata: ["acuhook.source": "acumatica", "acuhook.http.status": "401"], source: "AcuhookServer")
        logger.debug("not written at info")
        let line = try #require(lines.all.only)
        #expect(line.hasSuffix(" warning acuhook : acuhook.http.status=401 acuhook.source=acumatica hb.request.id=7 [AcuhookServer] delivery refused\n"))
        // 2026-11-29T07:07:39+0000
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil)
    }

    @Test func jsonLinesAreObjectsWithEscapedValues() throws {
        let lines = Lines()
        var logger = logger(.json, lines, level: .debug)
        logger[metadataKey: "acuhook.plugin"] = "stock \"log\""
        logger.debug("line one\nline two\t\u{1}", metadata: ["message": "shadowed field is dropped"])
        let line = try #require(lines.all.only)
        #expect(line.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "debug")
        #expect(object["label"] == "acuhook")
        #expect(object["message"] == "line one\nline two\t\u{1}")
        #expect(object["acuhook.plugin"] == "stock \"log\"")
        #expect(object["time"] != nil)
        #expect(object["source"] != nil)
    }

    @Test func providerAndErrorAreIncluded() throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["trace": "abc"] }
        let logger = Logger(label: "acuhook") { label in
            LineLogHandler(label: label, format: .json, metadataProvider: provider) { lines.append($0) }
        }
        logger.log(level: .error, "store commit failed", error: Failure())
        let line = try #require(lines.all.only)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["trace"] == "abc")
        #expect(object["error"] == "disk full")
    }
}

extension Array {
    /// The one element, or nil when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
