import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `acuhook tail`: deliveries and job outcomes as they happen, like `stripe listen`.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow deliveries and job outcomes of a running receiver live.",
        discussion: "Follows GET /admin/events (server-sent events) on the admin listener until Ctrl-C."
    )

    @OptionGroup var client: AdminClientOptions

    @Option(help: "Only deliveries to this source (job outcomes are not shown then, unless --plugin is given too).")
    var source: String?

    @Option(help: "Only job outcomes of this plugin (deliveries are not shown then, unless --source is given too).")
    var plugin: String?

    func run() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let palette = Palette()
        let following = Task { try await follow(http, palette: palette) }
        // Ctrl-C ends the stream and the command cleanly (exit status 0).
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { following.cancel() }
        interrupt.resume()
        defer { interrupt.cancel() }
        let result = await following.result
        try? await http.shutdown()
        if case .failure(let error) = result, !(error is CancellationError), !following.isCancelled { throw error }
    }

    private func follow(_ http: HTTPClient, palette: Palette) async throws {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(client.request("/admin/events"), deadline: .distantFuture)
        } catch {
            throw ValidationError("cannot reach the admin API at \(client.admin): \(error)")
        }
        guard response.status.code == 200 else {
            throw AdminClientOptions.failure(response, body: try await response.body.collect(upTo: 1 << 20))
        }
        FileHandle.standardError.write(Data("Following \(client.admin)/admin/events — Ctrl-C to stop\n".utf8))
        var pending = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let end = pending.range(of: "\n\n") {
                let block = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                if let line = render(block, palette: palette) {
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
            }
        }
    }

    /// One server-sent event as a line, or nil (a comment, or filtered out).
    func render(_ block: String, palette: Palette) -> String? {
        var name = ""
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else { return nil }
        let at = (object["at"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue / 1000) } ?? Date()
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS"
        let time = palette.dim(formatter.string(from: at))
        switch name {
        case "delivery":
            let source = object["source"] as? String ?? ""
            guard plugin == nil || self.source != nil, self.source.map({ $0 == source }) ?? true else { return nil }
            let status = (object["status"] as? NSNumber)?.intValue ?? 0
            let answer: String
            if (object["duplicate"] as? Bool) == true {
                answer = palette.yellow("200 duplicate")
            } else if status == 200 {
                answer = palette.green("200 stored")
            } else {
                answer = palette.red("\(status) \(object["code"] as? String ?? "")")
            }
            let row = (object["row"] as? NSNumber).map { " #\($0)" } ?? ""
            return "\(time)  delivery  \(source)  \(answer)\(row)  \(object["delivery_id"] as? String ?? "")"
        case "job":
            let name = object["plugin"] as? String ?? ""
            guard source == nil || self.plugin != nil, self.plugin.map({ $0 == name }) ?? true else { return nil }
            let outcome = object["outcome"] as? String ?? ""
            let next = object["next"] as? String ?? ""
            let painted = outcome == "ok" || outcome == "skipped" ? palette.green(outcome) : next == "dead" ? palette.red(outcome) : palette.yellow(outcome)
            let duration = (object["duration_ms"] as? NSNumber)?.intValue ?? 0
            return "\(time)  job       \(name)  \(object["event_type"] as? String ?? "") #\(object["row"] ?? "")  \(painted) → \(next)  \(duration) ms"
        default:
            return nil
        }
    }
}
