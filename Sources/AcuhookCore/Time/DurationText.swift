import Foundation

/// Durations as written in configuration: `500us`, `250ms`, `5s`, `1.5s`, `2m`, `1h`, `3d`, or a bare
/// number of seconds. Microsecond resolution; at most ``longest`` (100 years).
public enum DurationText {
    /// Parses `text`, or returns nil.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("us", 0.000_001), ("µs", 0.000_001), ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // `5ms` must not be read as `5m` + `s`, nor `5us` as `5u` + `s`.
            if suffix == "s", number.hasSuffix("m") || number.hasSuffix("u") || number.hasSuffix("µ") { continue }
            return seconds(String(number), scale: scale)
        }
        return seconds(trimmed, scale: 1)
    }

    /// The longest duration accepted: 100 years (longer ones are typos, and would overflow).
    public static let longest: Duration = .seconds(100 * 365 * 86_400)

    private static func seconds(_ number: String, scale: Double) -> Duration? {
        guard let value = Double(number), value.isFinite, value >= 0, value * scale <= Double(longest.components.seconds) else { return nil }
        return .microseconds(Int64((value * scale * 1_000_000).rounded()))
    }

    /// Formats a duration the way it is parsed (`30s`, `250ms`, `10m`, `500us`).
    public static func format(_ duration: Duration) -> String {
        let us = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        if us % 1000 != 0 { return "\(us)us" }
        let ms = us / 1000
        if ms % 86_400_000 == 0, ms > 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0, ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
