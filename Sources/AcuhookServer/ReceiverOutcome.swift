import Foundation

/// What the receiver answers for one delivery: a status and a stable JSON body.
public struct ReceiverOutcome: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// The JSON body.
    public var body: String
    /// Extra headers (`Retry-After`, `Allow`).
    public var headers: [String: String] = [:]
    /// The error code for logs, or nil on success.
    public var code: String?
    /// Whether this acknowledges a delivery already stored.
    public var duplicate = false
    /// Events stored for this delivery (0 for duplicates and refusals).
    public var storedEvents = 0
    /// The stored delivery's row id (the new one, or the original of a duplicate).
    public var deliveryRow: Int64?

    /// An outcome with this status and body.
    public init(status: Int, body: String, headers: [String: String] = [:], code: String? = nil) {
        self.status = status
        self.body = body
        self.headers = headers
        self.code = code
    }

    /// `200 {"received":true,"duplicate":false,"events":N}`.
    public static func accepted(events: Int) -> ReceiverOutcome {
        var outcome = ReceiverOutcome(status: 200, body: #"{"received":true,"duplicate":false,"events":\#(events)}"#)
        outcome.storedEvents = events
        return outcome
    }

    /// `200 {"received":true,"duplicate":true}`.
    public static let duplicate: ReceiverOutcome = {
        var outcome = ReceiverOutcome(status: 200, body: #"{"received":true,"duplicate":true}"#)
        outcome.duplicate = true
        return outcome
    }()

    /// An error: `{"error": message, "code": code}`.
    public static func error(_ status: Int, code: String, _ message: String, headers: [String: String] = [:]) -> ReceiverOutcome {
        let object = ["error": message, "code": code]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return ReceiverOutcome(status: status, body: String(decoding: data, as: UTF8.self), headers: headers, code: code)
    }
}
