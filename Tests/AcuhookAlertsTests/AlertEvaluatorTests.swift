import AcuhookAlerts
import AcuhookCore
import Testing

/// The rules, step by step with explicit times: episodes, resolution and rate limits.
@Suite struct AlertEvaluatorTests {
    let minute: Int64 = 60_000

    func observation(_ at: Int64, plugins: [String: AlertObservation.Plugin] = [:], deadLetters: Int? = 0, sources: [String: Int64?] = [:], store: String? = nil) -> AlertObservation {
        var observation = AlertObservation(nowUnixMilliseconds: at)
        observation.plugins = plugins
        observation.deadLetters = deadLetters
        observation.lastDeliveryBySource = sources
        observation.storeFailure = store
        return observation
    }

    func plugin(_ breaker: CircuitBreakerPhase, calls: Int = 0, failures: Int = 0) -> AlertObservation.Plugin {
        AlertObservation.Plugin(breaker: breaker, calls: calls, failures: failures)
    }

    @Test func aBreakerOpenLongerThanItsLimitFiresOnceAndResolvesWhenItCloses() {
        var settings = AlertSettings()
        settings.breaker?.for = .seconds(120)
        var evaluator = AlertEvaluator(settings: settings)
        #expect(evaluator.evaluate(observation(0, plugins: ["p": plugin(.closed)])).send.isEmpty)
        #expect(evaluator.evaluate(observation(minute, plugins: ["p": plugin(.open)])).send.isEmpty)
        // Half-open is still the same episode of trouble.
        #expect(evaluator.evaluate(observation(2 * minute, plugins: ["p": plugin(.halfOpen)])).send.isEmpty)
        let fired = evaluator.evaluate(observation(3 * minute, plugins: ["p": plugin(.open)]))
        #expect(fired.send.map(\.state) == [.firing])
        #expect(fired.send.first?.subject == "p" && fired.send.first?.rule == .breaker)
        #expect(fired.send.first?.sinceUnixMilliseconds == minute)
        #expect(fired.send.first?.summary.contains("for 2m") == true)
        // Once per episode.
        #expect(evaluator.evaluate(observation(4 * minute, plugins: ["p": plugin(.open)])).send.isEmpty)
        let resolved = evaluator.evaluate(observation(5 * minute, plugins: ["p": plugin(.closed)]))
        #expect(resolved.send.map(\.state) == [.resolved])
        #expect(resolved.send.first?.text == "[acuhook] RESOLVED breaker p: the circuit breaker closed")
        #expect(evaluator.firing.isEmpty)
    }

    @Test func anOperatorsForcedOpenBreakerRaisesNothing() {
        var evaluator = AlertEvaluator(settings: AlertSettings())
        #expect(evaluator.evaluate(observation(0, plugins: ["p": plugin(.forcedOpen)])).send.isEmpty)
        #expect(evaluator.evaluate(observation(minute, plugins: ["p": plugin(.disabled)])).send.isEmpty)
    }

    @Test func deadLetterGrowthWithinTheWindowFires() {
        var settings = AlertSettings()
        settings.deadLetters = .init()
        settings.deadLetters?.growth = 5
        settings.deadLetters?.window = .seconds(600)
        var evaluator = AlertEvaluator(settings: settings)
        #expect(evaluator.evaluate(observation(0, deadLetters: 100)).send.isEmpty)
        #expect(evaluator.evaluate(observation(5 * minute, deadLetters: 104)).send.isEmpty)
        let fired = evaluator.evaluate(observation(6 * minute, deadLetters: 105))
        #expect(fired.send.map(\.rule) == [.deadLetters])
        #expect(fired.send.first?.summary.hasPrefix("5 job(s) dead-lettered within 10m") == true)
        // The window moves past the growth: resolved.
        #expect(evaluator.evaluate(observation(17 * minute, deadLetters: 105)).send.map(\.state) == [.resolved])
        // Slow growth (4 per 10 minutes) never fires.
        for step in 1...6 { #expect(evaluator.evaluate(observation(17 * minute + Int64(step) * 5 * minute, deadLetters: 105 + step * 2)).send.isEmpty) }
    }

    @Test func aFailureRateAboveTheThresholdForAWholeWindowFires() {
        var settings = AlertSettings()
        settings.failureRate?.above = 0.5
        settings.failureRate?.window = .seconds(300)
        settings.failureRate?.minimumCalls = 10
        settings.breaker = nil
        var evaluator = AlertEvaluator(settings: settings)
        #expect(evaluator.evaluate(observation(0, plugins: ["p": plugin(.closed, calls: 0, failures: 0)])).send.isEmpty)
        // Not a whole window yet.
        #expect(evaluator.evaluate(observation(2 * minute, plugins: ["p": plugin(.closed, calls: 20, failures: 18)])).send.isEmpty)
        let fired = evaluator.evaluate(observation(5 * minute, plugins: ["p": plugin(.closed, calls: 40, failures: 30)]))
        #expect(fired.send.map(\.rule) == [.failureRate])
        #expect(fired.send.first?.summary == "75% of 40 call(s) failed over 5m")
        // The next window is healthy: resolved.
        #expect(evaluator.evaluate(observation(10 * minute, plugins: ["p": plugin(.closed, calls: 140, failures: 31)])).send.map(\.state) == [.resolved])
        // A reload starts the counters again: no negative rates, and a fresh window is needed.
        #expect(evaluator.evaluate(observation(11 * minute, plugins: ["p": plugin(.closed, calls: 12, failures: 12)])).send.isEmpty)
        // Too few calls do not count, whatever their rate.
        #expect(evaluator.evaluate(observation(16 * minute, plugins: ["p": plugin(.closed, calls: 15, failures: 15)])).send.isEmpty)
    }

    @Test func aQuietSourceFiresFromStartUpOrItsLastDeliveryAndResolvesWhenOneArrives() {
        var settings = AlertSettings()
        settings.silence = .init()
        settings.silence?.for = .seconds(1800)
        var evaluator = AlertEvaluator(settings: settings)
        let start: Int64 = 1_000_000
        #expect(evaluator.evaluate(observation(start, sources: ["erp": nil, "push": nil])).send.isEmpty)
        #expect(evaluator.evaluate(observation(start + 10 * minute, sources: ["erp": start + 10 * minute, "push": nil])).send.isEmpty)
        let fired = evaluator.evaluate(observation(start + 31 * minute, sources: ["erp": start + 10 * minute, "push": nil]))
        #expect(fired.send.map(\.subject) == ["push"])
        #expect(fired.send.first?.summary == "no delivery since start-up")
        let erp = evaluator.evaluate(observation(start + 41 * minute, sources: ["erp": start + 10 * minute, "push": nil]))
        #expect(erp.send.map(\.subject) == ["erp"] && erp.send.first?.summary == "no delivery for 31m")
        let back = evaluator.evaluate(observation(start + 42 * minute, sources: ["erp": start + 42 * minute, "push": start + 42 * minute]))
        #expect(back.send.map(\.state) == [.resolved, .resolved])
    }

    @Test func theStoreRuleFiresWhileItCannotCommit() {
        var evaluator = AlertEvaluator(settings: AlertSettings())
        let fired = evaluator.evaluate(observation(0, store: "disk I/O error"))
        #expect(fired.send.first?.summary == "the store cannot commit: disk I/O error")
        #expect(evaluator.evaluate(observation(minute, store: "disk I/O error")).send.isEmpty)
        #expect(evaluator.evaluate(observation(2 * minute)).send.map(\.state) == [.resolved])
    }

    @Test func aFlappingAlertIsSentAtMostOncePerIntervalAndTheRestAreLoggedOnly() {
        var settings = AlertSettings()
        settings.minimumInterval = .seconds(300)
        var evaluator = AlertEvaluator(settings: settings)
        #expect(evaluator.evaluate(observation(0, store: "x")).send.count == 1)
        #expect(evaluator.evaluate(observation(minute)).send.count == 1)  // resolved
        // Fires again within 5 minutes: logged, not sent; nor is its resolution.
        let again = evaluator.evaluate(observation(2 * minute, store: "x"))
        #expect(again.send.isEmpty && again.suppressed.map(\.state) == [.firing])
        let quiet = evaluator.evaluate(observation(3 * minute))
        #expect(quiet.send.isEmpty && quiet.suppressed.map(\.state) == [.resolved])
        #expect(evaluator.evaluate(observation(6 * minute, store: "x")).send.count == 1)
    }

    @Test func noMoreThanTheCapPerMinuteIsSent() {
        var settings = AlertSettings()
        settings.maximumPerMinute = 3
        var evaluator = AlertEvaluator(settings: settings)
        let plugins = Dictionary(uniqueKeysWithValues: (0..<5).map { ("p\($0)", plugin(.open)) })
        let decision = evaluator.evaluate(observation(0, plugins: plugins))
        #expect(decision.send.count == 3 && decision.suppressed.count == 2)
        #expect(decision.send.map(\.subject) == ["p0", "p1", "p2"])
    }
}
