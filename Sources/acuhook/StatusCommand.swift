import AcuhookAdmin
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `acuhook status`: one screen on a running `acuhook serve`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running receiver's sources, plugins, queue, dead letters and last errors.",
        discussion: "Reads GET /admin/status on the admin listener. Colour on a terminal (NO_COLOR turns it off); --json for scripts."
    )

    @OptionGroup var client: AdminClientOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let http = HTTPClient.shared
        let body: ByteBuffer
        do {
            let response = try await http.execute(client.request("/admin/status"), timeout: .seconds(10))
            body = try await response.body.collect(upTo: 16 << 20)
            guard response.status.code == 200 else { throw AdminClientOptions.failure(response, body: body) }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot reach the admin API at \(client.admin): \(error)")
        }
        if json {
            print(String(buffer: body))
            return
        }
        let report = try JSONDecoder().decode(StatusReport.self, from: Data(body.readableBytesView))
        print(Self.render(report, admin: client.admin, palette: Palette(), now: Date()))
    }

    /// The report for people.
    static func render(_ report: StatusReport, admin: String, palette: Palette, now: Date) -> String {
        var lines = ["\(palette.bold("acuhook")) at \(admin) — up \(duration(Double(report.uptimeSeconds)))", ""]
        func ago(_ milliseconds: Int64?) -> String {
            guard let milliseconds else { return "no delivery since start" }
            return "last delivery \(duration(now.timeIntervalSince1970 - Double(milliseconds) / 1000)) ago"
        }
        lines.append(palette.bold("Sources"))
        for source in report.sources {
            let errors = source.errors > 0 ? palette.red("\(source.errors) refused") : "0 refused"
            lines.append("  \(pad(source.name, 16)) \(pad(ago(source.lastDeliveryAt), 30)) \(source.deliveriesProcessed) processed  \(errors)")
        }
        lines += ["", palette.bold("Listeners")]
        for listener in report.listeners {
            var line = "  \(pad(listener.name, 16)) \(listener.openConnections) of \(listener.maxConnections) connections open"
            if let serial = listener.certificateSerial, let notAfter = listener.certificateNotAfter {
                let left = Double(notAfter) - now.timeIntervalSince1970
                let expiry = "certificate \(serial), expires in \(duration(left))"
                line += "  " + (left < 14 * 86_400 ? palette.red(expiry) : expiry)
            }
            lines.append(line)
            if let error = listener.certificateError {
                lines.append("  " + pad("", 16) + " " + palette.red("new certificate not loaded (the previous one is served): \(error)"))
            }
        }
        lines += ["", palette.bold("Plugins")]
        for plugin in report.plugins {
            guard !plugin.name.isEmpty else {
                lines.append("  \(palette.red("not loaded")) \(plugin.path): \(plugin.status)")
                continue
            }
            let latency = [plugin.latencyP50Milliseconds.map { "p50 \(milliseconds($0))" }, plugin.latencyP99Milliseconds.map { "p99 \(milliseconds($0))" }].compactMap { $0 }.joined(separator: "  ")
            let counters = plugin.counters
            let failures = counters.failures > 0 ? palette.red("failures \(counters.failures)") : "failures 0"
            lines.append("  \(pad(plugin.name, 16)) \(palette.breaker(pad(plugin.breaker, 11))) calls \(counters.calls)  \(failures)  not attempted \(counters.notAttempted)  \(latency)")
            var pacing: [String] = []
            if let batch = plugin.batch { pacing.append("batch \(batch)") }
            if let rate = plugin.rate { pacing.append("rate \(rate), \(plugin.waitingForRate) waiting for it") }
            if !pacing.isEmpty { lines.append("  " + pad("", 16) + " " + pacing.joined(separator: "  ")) }
        }
        lines += ["", palette.bold("Queue")]
        let order = ["pending", "running", "done", "skipped", "dead", "superseded"]
        lines.append("  " + order.map { state in
            let count = report.jobs[state] ?? 0
            return state == "dead" && count > 0 ? palette.red("\(state) \(count)") : "\(state) \(count)"
        }.joined(separator: "  "))
        lines += ["", palette.bold("Dead letters")]
        if report.deadLetters.isEmpty { lines.append("  " + palette.green("none")) }
        for letters in report.deadLetters {
            lines.append("  \(pad(letters.plugin, 16)) \(pad(letters.reason, 10)) \(palette.red(String(letters.count)))")
        }
        lines += ["", palette.bold("Last errors")]
        if report.recentErrors.isEmpty { lines.append("  " + palette.green("none since start")) }
        let formatter = ISO8601DateFormatter()
        for refusal in report.recentErrors {
            let when = formatter.string(from: Date(timeIntervalSince1970: Double(refusal.at) / 1000))
            lines.append("  \(palette.dim(when))  \(pad(refusal.source, 12)) \(palette.red("\(refusal.status) \(refusal.code ?? "")"))  \(refusal.deliveryID ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    static func milliseconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.2f ms", value) : String(format: "%.0f ms", value)
    }

    /// `42s`, `12m`, `3h 5m`, `2d 4h`.
    static func duration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h \(s % 3600 / 60)m" }
        return "\(s / 86_400)d \(s % 86_400 / 3600)h"
    }
}
