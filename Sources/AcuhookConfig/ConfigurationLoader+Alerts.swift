import AcuhookCore
import Foundation

/// Reading the `alerts` section.
extension ConfigurationLoader {
    static let alertKeys = [
        "webhooks", "interval", "minimum_interval", "maximum_per_minute", "retry", "breaker", "dead_letters", "failure_rate", "silence", "store",
    ]

    static func alerts(_ node: ConfigNode, sources: [String], environment: [String: String]) throws(ConfigurationError) -> AlertSettings {
        var alerts = AlertSettings()
        guard !node.isNull else { return alerts }
        let keys = try node.mapping(allowed: alertKeys)
        if let n = keys["webhooks"] {
            alerts.webhooks = try n.stringList(environment: environment)
            for url in alerts.webhooks {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                    throw n.error("'\(url)' is not an http(s) URL")
                }
            }
        }
        if let n = keys["interval"] { alerts.interval = try n.duration() }
        if let n = keys["minimum_interval"] { alerts.minimumInterval = try n.duration(allowingZero: true) }
        if let n = keys["maximum_per_minute"] { alerts.maximumPerMinute = try n.int(in: 1...10_000) }
        if let n = keys["retry"] { alerts.retry = try retry(n) }
        if let n = keys["breaker"] {
            alerts.breaker = try rule(n, allowed: ["for"]) { keys throws(ConfigurationError) in
                var rule = AlertSettings.Breaker()
                if let f = keys["for"] { rule.for = try f.duration(allowingZero: true) }
                return rule
            }
        }
        if let n = keys["dead_letters"] {
            alerts.deadLetters = try rule(n, allowed: ["growth", "window"]) { keys throws(ConfigurationError) in
                var rule = AlertSettings.DeadLetters()
                if let g = keys["growth"] { rule.growth = try g.int(in: 1...1_000_000) }
                if let w = keys["window"] { rule.window = try w.duration() }
                return rule
            }
        }
        if let n = keys["failure_rate"] {
            alerts.failureRate = try rule(n, allowed: ["above", "window", "minimum_calls"]) { keys throws(ConfigurationError) in
                var rule = AlertSettings.FailureRate()
                if let a = keys["above"] { rule.above = try a.double(in: 0...1) }
                if let w = keys["window"] { rule.window = try w.duration() }
                if let m = keys["minimum_calls"] { rule.minimumCalls = try m.int(in: 1...1_000_000) }
                return rule
            }
        }
        if let n = keys["silence"] {
            alerts.silence = try rule(n, allowed: ["for", "sources"]) { keys throws(ConfigurationError) in
                var rule = AlertSettings.Silence()
                if let f = keys["for"] { rule.for = try f.duration() }
                if let s = keys["sources"] {
                    rule.sources = try s.stringList()
                    if let unknown = rule.sources.first(where: { !sources.contains($0) }) {
                        throw s.error("'\(unknown)' is not a configured source (configured: \(sources.joined(separator: ", ")))")
                    }
                }
                return rule
            }
        }
        if let n = keys["store"] { alerts.store = try n.bool() }
        return alerts
    }

    /// A rule given as `false` (off), `true` or an empty value (on, with its defaults) or a mapping.
    private static func rule<Rule>(
        _ node: ConfigNode,
        allowed: [String],
        _ read: ([String: ConfigNode]) throws(ConfigurationError) -> Rule
    ) throws(ConfigurationError) -> Rule? {
        if node.isNull { return try read([:]) }
        if case .scalar = node.node { return try node.bool() ? try read([:]) : nil }
        return try read(try node.mapping(allowed: allowed))
    }
}
