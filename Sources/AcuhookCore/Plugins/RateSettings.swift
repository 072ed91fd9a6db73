import Foundation

/// How fast a plugin may be called (`plugins[].rate`): a token bucket of `burst` events,
/// refilled at `perSecond`. Each event takes a token when its job is claimed, so jobs over the
/// rate wait in the store, unclaimed.
public struct RateSettings: Sendable, Equatable, CustomStringConvertible {
    /// Events per second.
    public var perSecond: Double
    /// Most events let through at once after a quiet spell. Default 1: never more than the rate.
    public var burst: Int = 1

    /// A rate of `perSecond` events a second.
    public init(perSecond: Double, burst: Int = 1) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Reads `10/s`, `600/m`, `5000/h` (also `0.5/s`).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let count = Double(parts[0]), count > 0, count.isFinite else { return nil }
        let seconds: Double
        switch parts[1] {
        case "s", "sec", "second": seconds = 1
        case "m", "min", "minute": seconds = 60
        case "h", "hour": seconds = 3600
        default: return nil
        }
        self.perSecond = count / seconds
    }

    /// `10/s`, or with a burst, `10/s (burst 20)`.
    public var description: String {
        let rate = perSecond >= 1 || perSecond * 60 < 1 ? "\(Self.number(perSecond))/s" : "\(Self.number(perSecond * 60))/m"
        return burst == 1 ? rate : "\(rate) (burst \(burst))"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.3g", value)
    }
}
