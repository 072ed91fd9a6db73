import AcuhookJSON
import Foundation
import Logging
import Synchronization

/// The server's log output: one line per message on standard error, as text (the layout of
/// swift-log's `StreamLogHandler`) or as one JSON object per line for log shippers.
///
/// Metadata is formatted only when a line is written, not on every change (Hummingbird sets a
/// request id on every request's logger, for lines rarely written).
public struct LineLogHandler: LogHandler {
    /// How lines look.
    public enum Format: String, Sendable, CaseIterable {
        /// `2026-11-29T07:07:39+0000 warning acuhook: key=value [Module] message`.
        case text
        /// `{"time":"…","level":"warning","label":"acuhook","source":"Module","message":"…","key":"value"}`.
        case json
    }

    /// Lines are written whole, one at a time, by every handler of the process.
    private static let output = Mutex(())

    private let label: String
    private let format: Format
    private let write: @Sendable (String) -> Void

    /// The least severe level written.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata computed at each line.
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler writing to standard error.
    public init(label: String, format: Format = .text, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, format: format, metadataProvider: metadataProvider) { line in
            LineLogHandler.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
        }
    }

    /// A handler passing each finished line (with its line feed) to `write`.
    public init(label: String, format: Format, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.format = format
        self.metadataProvider = metadataProvider
        self.write = write
    }

    /// One value of this logger's metadata.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        let time = Self.timestamp()
        switch format {
        case .text:
            var line = "\(time) \(event.level) \(label) :"
            for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
            line += " [\(event.source)] \(event.message)\n"
            write(line)
        case .json:
            var fields: [(String, String)] = [
                ("time", time), ("level", event.level.rawValue), ("label", label), ("source", event.source), ("message", "\(event.message)"),
            ]
            for key in merged.keys.sorted() where !["time", "level", "label", "source", "message"].contains(key) {
                fields.append((key, "\(merged[key]!)"))
            }
            write("{" + fields.map { "\(JSONText.quoted($0.0)):\(JSONText.quoted($0.1))" }.joined(separator: ",") + "}\n")
        }
    }

    /// Local time with its offset, as `StreamLogHandler` writes it: `2026-11-29T07:07:39+0000`.
    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
