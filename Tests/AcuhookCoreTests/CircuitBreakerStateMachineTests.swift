import AcuhookCore
import AcuhookTesting
import Testing

@Suite struct CircuitBreakerStateMachineTests {
    typealias Machine = CircuitBreakerStateMachine<ManualClock.Instant>
    let clock = ManualClock()

    private func configuration(_ change: (inout CircuitBreakerSettings) -> Void = { _ in }) -> CircuitBreakerSettings {
        var configuration = CircuitBreakerSettings()
        change(&configuration)
        return configuration
    }

    /// Admits one call and records `outcome` after `taking`; returns the transition.
    @discardableResult
    private func call(_ machine: inout Machine, _ outcome: Machine.Outcome, taking: Duration = .zero) throws -> Machine.Transition? {
        guard case .allow(let permit) = machine.acquire(now: clock.now).admission else {
            Issue.record("call was not admitted in state \(machine.state.phase)")
            return nil
        }
        clock.advance(by: taking)
        return machine.record(permit, outcome, now: clock.now)
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let c = CircuitBreakerSettings()
        #expect(c.windowSize == 20 && c.minimumCalls == 10 && c.failureRateThreshold == 0.5)
        #expect(c.consecutiveFailureThreshold == 5 && c.slowCallDuration == nil)
        #expect(c.openDuration == .seconds(30) && c.maxOpenDuration == .seconds(600) && c.halfOpenProbes == 1)
        #expect(c.problems().isEmpty)
    }

    @Test func tripsOnConsecutiveFailures() throws {
        var machine = Machine(configuration: configuration())
        for _ in 0..<4 { #expect(try call(&machine, .failure) == nil) }
        let transition = try #require(try call(&machine, .failure))
        #expect(transition.from == .closed && transition.to == .open)
        #expect(transition.reason.contains("5 consecutive failures"))
        #expect(machine.state == .open(until: clock.now.advanced(by: .seconds(30))))
    }

    @Test func tripsOnFailureRateOnlyAfterMinimumCalls() throws {
        var machine = Machine(configuration: configuration { $0.consecutiveFailureThreshold = 0 })
        // 4 failures in 8 calls is 50 %, but fewer than 10 calls: still closed.
        for index in 0..<8 { try call(&machine, index.isMultiple(of: 2) ? .failure : .success) }
        #expect(machine.state == .closed)
        try call(&machine, .success)
        let transition = try #require(try call(&machine, .failure))
        #expect(transition.reason.contains("failure rate 50% ≥ 50% over 10 calls"))
    }

    @Test func slidingWindowForgetsOldFailures() throws {
        var machine = Machine(configuration: configuration {
            $0.consecutiveFailureThreshold = 0
            $0.windowSize = 10
            $0.minimumCalls = 10
        })
        for _ in 0..<4 { try call(&machine, .failure) }
        for _ in 0..<16 { try call(&machine, .success) }
        // The window now holds 10 successes; 4 more failures make 40 %.
        for _ in 0..<4 { #expect(try call(&machine, .failure) == nil) }
        #expect(machine.state == .closed)
        #expect(try call(&machine, .failure)?.to == .open)
    }

    @Test func tripsOnSlowCallRate() throws {
        var machine = Machine(configuration: configuration {
            $0.slowCallDuration = .seconds(2)
            $0.slowCallRateThreshold = 0.5
            $0.minimumCalls = 4
        })
        try call(&machine, .success, taking: .seconds(1))
        try call(&machine, .success, taking: .seconds(3))
        try call(&machine, .success, taking: .seconds(1))
        let transition = try #require(try call(&machine, .success, taking: .seconds(5)))
        #expect(transition.reason.contains("slow-call rate 50%"))
    }

    @Test func openRejectsUntilItsDurationThenAdmitsOneProbe() throws {
        var machine = Machine(configuration: configuration())
        for _ in 0..<5 { try call(&machine, .failure) }
        let opened = clock.now
        clock.advance(by: .seconds(29))
        guard case .reject(let retryAt) = machine.acquire(now: clock.now).admission else {
            Issue.record("open breaker admitted a call")
            return
        }
        #expect(retryAt == opened.advanced(by: .seconds(30)))
        clock.advance(by: .seconds(1))
        let (admission, transition) = machine.acquire(now: clock.now)
        #expect(transition?.to == .halfOpen)
        guard case .allow(let probe) = admission else {
            Issue.record("half-open breaker refused its probe")
            return
        }
        #expect(probe.isProbe)
        // The probe budget (1) is spent: a second call waits.
        guard case .reject(nil) = machine.acquire(now: clock.now).admission else {
            Issue.record("second probe admitted")
            return
        }
        #expect(machine.record(probe, .success, now: clock.now)?.to == .closed)
        #expect(machine.tripCount == 0)
    }

    @Test func failedProbeReopensWithDoubledDurationUpToTheCap() throws {
        var machine = Machine(configuration: configuration { $0.maxOpenDuration = .seconds(100) })
        for _ in 0..<5 { try call(&machine, .failure) }
        var expected: [Duration] = [.seconds(60), .seconds(100), .seconds(100)]
        var waited = Duration.seconds(30)
        while !expected.isEmpty {
            clock.advance(by: waited)
            let transition = try #require(try call(&machine, .failure))
            #expect(transition.from == .halfOpen && transition.to == .open)
            let next = expected.removeFirst()
            #expect(machine.state == .open(until: clock.now.advanced(by: next)))
            waited = next
        }
    }

    @Test func severalProbesMustAllSucceed() throws {
        var machine = Machine(configuration: configuration { $0.halfOpenProbes = 2 })
        for _ in 0..<5 { try call(&machine, .failure) }
        clock.advance(by: .seconds(30))
        #expect(try call(&machine, .success) == nil)
        #expect(machine.state == .halfOpen)
        #expect(try call(&machine, .success)?.to == .closed)
    }

    @Test func slowProbeCountsAsFailure() throws {
        var machine = Machine(configuration: configuration { $0.slowCallDuration = .seconds(1) })
        for _ in 0..<5 { try call(&machine, .failure) }
        clock.advance(by: .seconds(30))
        #expect(try call(&machine, .success, taking: .seconds(2))?.reason.contains("was slow") == true)
    }

    @Test func resultsFromAnOlderGenerationAreIgnored() throws {
        var machine = Machine(configuration: configuration())
        guard case .allow(let early) = machine.acquire(now: clock.now).admission else { return }
        for _ in 0..<5 { try call(&machine, .failure) }
        clock.advance(by: .seconds(30))
        guard case .allow(let probe) = machine.acquire(now: clock.now).admission else { return }
        // The call admitted before the trip ends now, successfully: it must not close the breaker.
        #expect(machine.record(early, .success, now: clock.now) == nil)
        #expect(machine.state == .halfOpen)
        #expect(machine.record(probe, .success, now: clock.now)?.to == .closed)
    }

    @Test func manualControls() throws {
        var machine = Machine(configuration: configuration())
        #expect(machine.forceOpen(reason: "operator").to == .forcedOpen)
        clock.advance(by: .seconds(3600))
        guard case .reject(nil) = machine.acquire(now: clock.now).admission else {
            Issue.record("forced-open breaker admitted a call")
            return
        }
        #expect(machine.disable(reason: "operator").to == .disabled)
        for _ in 0..<50 { #expect(try call(&machine, .failure) == nil) }
        #expect(machine.state == .disabled)
        let reset = machine.reset(reason: "operator")
        #expect(reset.from == .disabled && reset.to == .closed)
        for _ in 0..<4 { try call(&machine, .failure) }
        #expect(machine.state == .closed)
    }

    @Test func disabledByConfiguration() throws {
        var machine = Machine(configuration: configuration { $0.disabled = true })
        for _ in 0..<30 { try call(&machine, .failure) }
        #expect(machine.state == .disabled)
    }

    @Test func validationNamesTheKey() {
        let bad = configuration {
            $0.minimumCalls = 30
            $0.failureRateThreshold = 2
            $0.maxOpenDuration = .seconds(1)
        }
        let keys = bad.problems().map(\.key)
        #expect(keys == ["minimum_calls", "failure_rate", "max_open_duration"])
    }
}
