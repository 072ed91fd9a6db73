import Foundation

/// What the receiver has done since it started, as `/health` shows it.
public struct ReceiverActivity: Sendable, Equatable {
    /// Deliveries answered with 2xx: stored, or acknowledged as duplicates.
    public var deliveriesProcessed = 0
    /// When the last of them was answered, ms since the Unix epoch; nil before the first.
    public var lastDeliveryUnixMilliseconds: Int64?
    /// Deliveries refused (any other status).
    public var errors = 0
    /// Time since the receiver started.
    public var uptime: Duration

    /// Nothing done yet, `uptime` in.
    public init(uptime: Duration) {
        self.uptime = uptime
    }

    /// The `/health` body: `status`, and with `details` the counters
    /// (`deliveriesProcessed`, `lastDeliveryAt` in ISO 8601 or null, `errors`, `uptimeSeconds`).
    public func healthJSON(details: Bool) -> String {
        guard details else { return #"{"status":"ok"}"# }
        let last = lastDeliveryUnixMilliseconds.map { milliseconds -> String in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return "\"\(formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)))\""
        } ?? "null"
        let uptimeSeconds = uptime.components.seconds
        return #"{"status":"ok","deliveriesProcessed":\#(deliveriesProcessed),"lastDeliveryAt":\#(last),"errors":\#(errors),"uptimeSeconds":\#(uptimeSeconds)}"#
    }
}
