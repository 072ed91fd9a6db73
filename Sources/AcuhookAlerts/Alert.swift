import Foundation

/// One alert message: a rule's condition began (firing) or ended (resolved) for a subject.
public struct Alert: Sendable, Equatable {
    /// The rules.
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// A breaker stayed open.
        case breaker
        /// The dead-letter queue grew.
        case deadLetters = "dead_letters"
        /// A plugin's failure rate stayed high.
        case failureRate = "failure_rate"
        /// A source went quiet.
        case silence
        /// The store cannot commit.
        case store
    }

    /// Whether the condition began or ended.
    public enum State: String, Sendable, Hashable {
        /// The condition holds (sent once per episode).
        case firing
        /// The condition no longer holds.
        case resolved
    }

    /// The rule.
    public var rule: Rule
    /// What it is about: a plugin, a source, `dead-letter queue` or `store`.
    public var subject: String
    /// Began or ended.
    public var state: State
    /// One line for people.
    public var summary: String
    /// When the condition began, ms since the Unix epoch.
    public var sinceUnixMilliseconds: Int64
    /// When this message was made, ms since the Unix epoch.
    public var atUnixMilliseconds: Int64

    /// An alert message.
    public init(rule: Rule, subject: String, state: State, summary: String, sinceUnixMilliseconds: Int64, atUnixMilliseconds: Int64) {
        self.rule = rule
        self.subject = subject
        self.state = state
        self.summary = summary
        self.sinceUnixMilliseconds = sinceUnixMilliseconds
        self.atUnixMilliseconds = atUnixMilliseconds
    }

    /// The message's one line: `[acuhook] FIRING breaker customer-sync: …`.
    public var text: String {
        "[acuhook] \(state == .firing ? "FIRING" : "RESOLVED") \(rule.rawValue) \(subject): \(summary)"
    }

    /// The JSON POSTed to webhooks: Slack's `text`, and the fields for machines under `alert`.
    public func payload(instance: String) -> [UInt8] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func date(_ milliseconds: Int64) -> String { formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) }
        let object: [String: Any] = [
            "text": text,
            "alert": [
                "rule": rule.rawValue, "subject": subject, "state": state.rawValue, "summary": summary,
                "since": date(sinceUnixMilliseconds), "at": date(atUnixMilliseconds), "instance": instance,
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }
}
