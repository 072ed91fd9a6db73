import AcuhookCore
import AcuhookPluginHost

/// What `acuhook plugins run` prints for one event: its first answer in full, and for repeated
/// calls how they ended and how long they took.
struct CallReport {
    let event: InboundEvent
    let index: Int
    let count: Int
    private var first: (result: PluginCallResult, duration: Duration)?
    private var outcomes: [String: Int] = [:]
    private var durations: [Duration] = []
    /// Whether every call answered OK or SKIP.
    private(set) var allGood = true

    init(event: InboundEvent, index: Int, of count: Int) {
        self.event = event
        self.index = index
        self.count = count
    }

    /// Records one call.
    mutating func add(_ result: PluginCallResult, duration: Duration) {
        if first == nil { first = (result, duration) }
        let label = Self.status(result)
        outcomes[label, default: 0] += 1
        durations.append(duration)
        if label != "OK", label != "SKIP" { allGood = false }
    }

    /// The printed report.
    var text: String {
        var lines = ["", "event \(index) of \(count): \(event.eventType)" + (event.entityId.isEmpty ? "" : " (entity \(event.entityId))")]
        guard let first else { return lines.joined(separator: "\n") }
        func row(_ name: String, _ value: String) { lines.append("  " + name.padding(toLength: 10, withPad: " ", startingAt: 0) + value) }
        let result = first.result
        row("status", Self.status(result))
        if let message = result.message, !message.isEmpty { row("message", message) }
        if let output = result.output { row("output", String(decoding: output, as: UTF8.self)) }
        if case .failed = result.outcome {
        } else if result.derived.isEmpty {
            row("emitted", "nothing")
        } else {
            for (number, derived) in result.derived.enumerated() {
                row(number == 0 ? "emitted" : "", "\(derived.eventType) (entity \(derived.entityId)) \(String(decoding: derived.dataJSON, as: UTF8.self))")
            }
        }
        row("duration", Self.format(first.duration))
        if durations.count > 1 {
            let sorted = durations.sorted()
            func percentile(_ p: Double) -> Duration { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
            let tally = outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            row("repeated", "\(durations.count) calls: \(tally); p50 \(Self.format(percentile(0.5))), p99 \(Self.format(percentile(0.99))), max \(Self.format(sorted.last!))")
        }
        return lines.joined(separator: "\n")
    }

    /// OK, SKIP, RETRY, REJECT, or how the call failed.
    static func status(_ result: PluginCallResult) -> String {
        switch result.outcome {
        case .ok: "OK"
        case .skipped: "SKIP"
        case .retry: "RETRY"
        case .rejected: "REJECT"
        case .failed(let failure): "FAILED (\(failure))"
        case .notAttempted(let reason): "NOT ATTEMPTED (\(reason))"
        }
    }

    /// `0.21 ms`, `12.3 ms`, `1.52 s`.
    static func format(_ duration: Duration) -> String {
        let milliseconds = Double(duration.wholeNanoseconds) / 1_000_000
        if milliseconds < 10 { return String(format: "%.2f ms", milliseconds) }
        if milliseconds < 1_000 { return String(format: "%.1f ms", milliseconds) }
        return String(format: "%.2f s", milliseconds / 1_000)
    }
}
