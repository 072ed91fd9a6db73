import AcuhookCore

/// Decides, from one ``AlertObservation`` after another, which alerts begin and end. Pure: no
/// clock and no I/O (the observation carries the time), so tests drive it step by step.
///
/// Each (rule, subject) pair has episodes: the first check at which its condition holds starts
/// one and fires; the first at which it no longer holds ends it and resolves. A firing message
/// is sent only if the same alert's last one was at least ``AlertSettings/minimumInterval`` ago
/// and fewer than ``AlertSettings/maximumPerMinute`` messages went out in the last minute;
/// otherwise it is suppressed (logged, not sent), and so is the resolved message of its episode.
public struct AlertEvaluator: Sendable {
    /// What one check decided.
    public struct Decision: Sendable, Equatable {
        /// Messages to send (and log).
        public var send: [Alert] = []
        /// Messages to log only (rate-limited).
        public var suppressed: [Alert] = []
    }

    private struct Key: Hashable {
        var rule: Alert.Rule
        var subject: String
    }

    private struct Episode {
        var since: Int64
        var sent: Bool
    }

    private struct Condition {
        var since: Int64
        var summary: String
    }

    private struct CallSample {
        var at: Int64
        var calls: Int
        var failures: Int
    }

    private let settings: AlertSettings
    private var episodes: [Key: Episode] = [:]
    private var lastSent: [Key: Int64] = [:]
    private var sentTimes: [Int64] = []
    private var startedAt: Int64?
    private var breakerOpenSince: [String: Int64] = [:]
    private var deadLetterSamples: [(at: Int64, count: Int)] = []
    private var callSamples: [String: [CallSample]] = [:]

    /// An evaluator of `settings`' rules, with no history.
    public init(settings: AlertSettings) {
        self.settings = settings
    }

    /// Takes one observation: the alerts that begin or end with it.
    public mutating func evaluate(_ observation: AlertObservation) -> Decision {
        let now = observation.nowUnixMilliseconds
        if startedAt == nil { startedAt = now }
        let active = conditions(observation)
        var decision = Decision()
        for (key, condition) in active.sorted(by: { ($0.key.rule.rawValue, $0.key.subject) < ($1.key.rule.rawValue, $1.key.subject) }) where episodes[key] == nil {
            let alert = Alert(rule: key.rule, subject: key.subject, state: .firing, summary: condition.summary, sinceUnixMilliseconds: condition.since, atUnixMilliseconds: now)
            let allowed = (lastSent[key].map { now - $0 >= settings.minimumInterval.wholeMilliseconds } ?? true) && admitsAnother(at: now)
            episodes[key] = Episode(since: condition.since, sent: allowed)
            if allowed {
                lastSent[key] = now
                sentTimes.append(now)
                decision.send.append(alert)
            } else {
                decision.suppressed.append(alert)
            }
        }
        for (key, episode) in episodes.sorted(by: { ($0.key.rule.rawValue, $0.key.subject) < ($1.key.rule.rawValue, $1.key.subject) }) where active[key] == nil {
            episodes[key] = nil
            let alert = Alert(rule: key.rule, subject: key.subject, state: .resolved, summary: resolvedSummary(key.rule), sinceUnixMilliseconds: episode.since, atUnixMilliseconds: now)
            if episode.sent { decision.send.append(alert) } else { decision.suppressed.append(alert) }
        }
        return decision
    }

    /// The alerts firing now.
    public var firing: [(rule: Alert.Rule, subject: String)] {
        episodes.keys.sorted { ($0.rule.rawValue, $0.subject) < ($1.rule.rawValue, $1.subject) }.map { ($0.rule, $0.subject) }
    }

    /// Whether the per-minute cap leaves room for one more message.
    private mutating func admitsAnother(at now: Int64) -> Bool {
        sentTimes.removeAll { now - $0 >= 60_000 }
        return sentTimes.count < settings.maximumPerMinute
    }

    private func resolvedSummary(_ rule: Alert.Rule) -> String {
        switch rule {
        case .breaker: "the circuit breaker closed"
        case .deadLetters: "the dead-letter queue stopped growing"
        case .failureRate: "the failure rate is back under the threshold"
        case .silence: "deliveries arrive again"
        case .store: "the store commits again"
        }
    }

    /// Every condition that holds now, updating the rules' history.
    private mutating func conditions(_ observation: AlertObservation) -> [Key: Condition] {
        let now = observation.nowUnixMilliseconds
        var active: [Key: Condition] = [:]
        if let rule = settings.breaker {
            for (name, plugin) in observation.plugins {
                guard plugin.breaker == .open || plugin.breaker == .halfOpen else {
                    breakerOpenSince[name] = nil
                    continue
                }
                let since = breakerOpenSince[name] ?? now
                breakerOpenSince[name] = since
                if now - since >= rule.for.wholeMilliseconds {
                    active[Key(rule: .breaker, subject: name)] = Condition(since: since, summary: "circuit breaker \(plugin.breaker) for \(Self.text(now - since)); its jobs wait in the store")
                }
            }
            for name in breakerOpenSince.keys where observation.plugins[name] == nil { breakerOpenSince[name] = nil }
        }
        if let rule = settings.deadLetters, let count = observation.deadLetters {
            deadLetterSamples.append((now, count))
            deadLetterSamples.removeAll { now - $0.at > rule.window.wholeMilliseconds }
            let low = deadLetterSamples.min { $0.count < $1.count } ?? (now, count)
            if count - low.count >= rule.growth {
                active[Key(rule: .deadLetters, subject: "dead-letter queue")] = Condition(
                    since: now, summary: "\(count - low.count) job(s) dead-lettered within \(Self.text(rule.window.wholeMilliseconds)) (\(count) in all)"
                )
            }
        }
        if let rule = settings.failureRate {
            for (name, plugin) in observation.plugins {
                var samples = callSamples[name] ?? []
                // A reload starts the instance's counters again: so does the history.
                if let last = samples.last, plugin.calls < last.calls || plugin.failures < last.failures { samples = [] }
                samples.append(CallSample(at: now, calls: plugin.calls, failures: plugin.failures))
                let window = rule.window.wholeMilliseconds
                // Keep the newest sample at least a window old (the base) and everything after it.
                if let base = samples.lastIndex(where: { now - $0.at >= window }) { samples.removeFirst(base) }
                callSamples[name] = samples
                guard let base = samples.first, now - base.at >= window else { continue }
                let calls = plugin.calls - base.calls
                let failures = plugin.failures - base.failures
                guard calls >= rule.minimumCalls, Double(failures) / Double(calls) > rule.above else { continue }
                let percent = Int((Double(failures) * 100 / Double(calls)).rounded())
                active[Key(rule: .failureRate, subject: name)] = Condition(since: base.at, summary: "\(percent)% of \(calls) call(s) failed over \(Self.text(now - base.at))")
            }
            for name in callSamples.keys where observation.plugins[name] == nil { callSamples[name] = nil }
        }
        if let rule = settings.silence, let startedAt {
            let watched = rule.sources.isEmpty ? Array(observation.lastDeliveryBySource.keys) : rule.sources
            for source in watched {
                let last = (observation.lastDeliveryBySource[source] ?? nil) ?? startedAt
                if now - last >= rule.for.wholeMilliseconds {
                    let what = observation.lastDeliveryBySource[source] ?? nil == nil ? "since start-up" : "for \(Self.text(now - last))"
                    active[Key(rule: .silence, subject: source)] = Condition(since: last, summary: "no delivery \(what)")
                }
            }
        }
        if settings.store, let failure = observation.storeFailure {
            active[Key(rule: .store, subject: "store")] = Condition(since: now, summary: "the store cannot commit: \(failure)")
        }
        return active
    }

    /// `45s`, `12m`, `3h 5m`.
    static func text(_ milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds / 1000)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        return seconds % 3600 / 60 == 0 ? "\(seconds / 3600)h" : "\(seconds / 3600)h \(seconds % 3600 / 60)m"
    }
}
