/// The circuit breaker of one plugin, as a pure state machine.
///
/// closed → open (failure rate, slow-call rate or consecutive failures) → half-open (after the
/// open duration) → closed (every probe succeeded) or open again (a probe failed; the open
/// duration doubles up to its cap). Manual controls: ``forceOpen(reason:)``, ``disable(reason:)``
/// and ``reset(reason:)``.
///
/// It does no I/O and reads no clock: callers pass `now`. Each transition bumps ``generation``;
/// results of calls that were admitted under an older generation are ignored, so a slow call
/// started before a trip cannot close or re-open the breaker afterwards.
///
/// - Important: Not thread-safe; hold it in an actor or a `Mutex`.
public struct CircuitBreakerStateMachine<Instant: InstantProtocol>: Sendable
where Instant.Duration == Duration, Instant: Sendable {
    /// Where the breaker is.
    public enum State: Sendable, Equatable {
        /// Calls flow; outcomes are judged.
        case closed
        /// Calls are refused until the instant.
        case open(until: Instant)
        /// A limited number of probe calls are let through.
        case halfOpen
        /// Opened by an operator; stays open until ``reset(reason:)``.
        case forcedOpen
        /// Turned off: calls always flow and outcomes are not judged.
        case disabled

        /// The state without its details.
        public var phase: CircuitBreakerPhase {
            switch self {
            case .closed: .closed
            case .open: .open
            case .halfOpen: .halfOpen
            case .forcedOpen: .forcedOpen
            case .disabled: .disabled
            }
        }
    }

    /// Admission for one call; hand it back to ``record(_:_:now:)``.
    public struct Permit: Sendable {
        /// The generation the call was admitted under.
        public let generation: UInt64
        /// When the call was admitted (for the slow-call judgement).
        public let admittedAt: Instant
        /// Whether the call is a half-open probe.
        public let isProbe: Bool
    }

    /// What ``acquire(now:)`` decided.
    public enum Admission: Sendable {
        /// Make the call, then record its outcome with the permit.
        case allow(Permit)
        /// Do not call. `retryAt` is when the breaker will half-open, or `nil` when unknown
        /// (forced open, or waiting for probes in flight).
        case reject(retryAt: Instant?)
    }

    /// How a finished call is judged.
    public enum Outcome: Sendable, Equatable {
        /// The plugin worked (OK, SKIP, or REJECT of bad data).
        case success
        /// The plugin failed (RETRY, timeout, crash, invalid result).
        case failure
    }

    /// A change of state, to be logged with the plugin's name.
    public struct Transition: Sendable, Equatable {
        /// The state before.
        public let from: CircuitBreakerPhase
        /// The state after.
        public let to: CircuitBreakerPhase
        /// Why, in words ("failure rate 60% ≥ 50% over 10 calls").
        public let reason: String
    }

    /// The settings.
    public let configuration: CircuitBreakerSettings
    /// The current state.
    public private(set) var state: State
    /// Bumped on every transition.
    public private(set) var generation: UInt64 = 0
    /// Trips since the breaker last closed; sets the open duration (doubling).
    public private(set) var tripCount = 0

    private var window: [(failed: Bool, slow: Bool)] = []
    private var windowNext = 0
    private var failuresInWindow = 0
    private var slowInWindow = 0
    private var consecutiveFailures = 0
    private var probesAdmitted = 0
    private var probesSucceeded = 0

    /// Creates a closed breaker (or a disabled one, when the configuration says so).
    public init(configuration: CircuitBreakerSettings) {
        self.configuration = configuration
        self.state = configuration.disabled ? .disabled : .closed
        self.window.reserveCapacity(configuration.windowSize)
    }

    /// Calls currently judged in the window.


    /// Asks whether a call may start now.
    /// - Returns: The admission and, when the open period has just ended, the open → half-open
    ///   transition that admitting caused.
    public mutating func acquire(now: Instant) -> (admission: Admission, transition: Transition?) {
        switch state {
        case .closed, .disabled:
            return (.allow(Permit(generation: generation, admittedAt: now, isProbe: false)), nil)
        case .forcedOpen:
            return (.reject(retryAt: nil), nil)
        case .open(let until):
            guard now >= until else { return (.reject(retryAt: until), nil) }
            let transition = move(to: .halfOpen, reason: "open period of \(openDuration(forTrip: tripCount)) ended")
            return (admitProbe(now: now), transition)
        case .halfOpen:
            return (admitProbe(now: now), nil)
        }
    }

    private mutating func admitProbe(now: Instant) -> Admission {
        guard probesAdmitted < configuration.halfOpenProbes else { return .reject(retryAt: nil) }
        probesAdmitted += 1
        return .allow(Permit(generation: generation, admittedAt: now, isProbe: true))
    }

    /// Gives back a permit whose call never ran (it found no free slot): nothing is judged, and a
    /// half-open probe's place is free for another call.
    public mutating func release(_ permit: Permit) {
        guard permit.generation == generation, permit.isProbe, case .halfOpen = state, probesAdmitted > 0 else { return }
        probesAdmitted -= 1
    }

    /// Records how an admitted call ended.
    /// - Returns: The transition it caused, if any. Results from an older generation are ignored.
    public mutating func record(_ permit: Permit, _ outcome: Outcome, now: Instant) -> Transition? {
        guard permit.generation == generation else { return nil }
        let slow = configuration.slowCallDuration.map { permit.admittedAt.duration(to: now) > $0 } ?? false
        switch state {
        case .disabled, .forcedOpen, .open:
            return nil
        case .halfOpen:
            guard permit.isProbe else { return nil }
            if outcome == .failure || slow {
                let what = outcome == .failure ? "failed" : "was slow"
                return trip(now: now, reason: "half-open probe \(what)")
            }
            probesSucceeded += 1
            guard probesSucceeded >= configuration.halfOpenProbes else { return nil }
            tripCount = 0
            return move(to: .closed, reason: "\(probesSucceeded) half-open probe(s) succeeded")
        case .closed:
            return judge(failed: outcome == .failure, slow: slow, now: now)
        }
    }

    private mutating func judge(failed: Bool, slow: Bool, now: Instant) -> Transition? {
        if window.count < configuration.windowSize {
            window.append((failed, slow))
        } else {
            let evicted = window[windowNext]
            if evicted.failed { failuresInWindow -= 1 }
            if evicted.slow { slowInWindow -= 1 }
            window[windowNext] = (failed, slow)
            windowNext = (windowNext + 1) % configuration.windowSize
        }
        if failed { failuresInWindow += 1 }
        if slow { slowInWindow += 1 }
        consecutiveFailures = failed ? consecutiveFailures + 1 : 0

        let threshold = configuration.consecutiveFailureThreshold
        if threshold > 0, consecutiveFailures >= threshold {
            return trip(now: now, reason: "\(consecutiveFailures) consecutive failures")
        }
        guard window.count >= configuration.minimumCalls else { return nil }
        let calls = Double(window.count)
        let failureRate = Double(failuresInWindow) / calls
        if failureRate >= configuration.failureRateThreshold {
            return trip(
                now: now,
                reason: "failure rate \(percent(failureRate)) ≥ \(percent(configuration.failureRateThreshold)) over \(window.count) calls"
            )
        }
        if configuration.slowCallDuration != nil {
            let slowRate = Double(slowInWindow) / calls
            if slowRate >= configuration.slowCallRateThreshold {
                return trip(
                    now: now,
                    reason: "slow-call rate \(percent(slowRate)) ≥ \(percent(configuration.slowCallRateThreshold)) over \(window.count) calls"
                )
            }
        }
        return nil
    }

    private mutating func trip(now: Instant, reason: String) -> Transition {
        let duration = openDuration(forTrip: tripCount)
        tripCount += 1
        return move(to: .open(until: now.advanced(by: duration)), reason: "\(reason); open for \(duration)")
    }

    /// The open duration after `trips` earlier trips: the base doubled each time, capped.
    public func openDuration(forTrip trips: Int) -> Duration {
        var duration = configuration.openDuration
        for _ in 0..<min(trips, 64) {
            duration = duration * 2
            if duration >= configuration.maxOpenDuration { return configuration.maxOpenDuration }
        }
        return min(duration, configuration.maxOpenDuration)
    }

    /// Opens the breaker until ``reset(reason:)``, whatever the outcomes.
    public mutating func forceOpen(reason: String) -> Transition {
        move(to: .forcedOpen, reason: reason)
    }

    /// Turns the breaker off: calls always flow until ``reset(reason:)``.
    public mutating func disable(reason: String) -> Transition {
        move(to: .disabled, reason: reason)
    }

    /// Closes the breaker and forgets the window and the trip count.
    public mutating func reset(reason: String) -> Transition {
        tripCount = 0
        return move(to: .closed, reason: reason)
    }

    private mutating func move(to next: State, reason: String) -> Transition {
        let transition = Transition(from: state.phase, to: next.phase, reason: reason)
        state = next
        generation &+= 1
        window.removeAll(keepingCapacity: true)
        windowNext = 0
        failuresInWindow = 0
        slowInWindow = 0
        consecutiveFailures = 0
        probesAdmitted = 0
        probesSucceeded = 0
        return transition
    }

    private func percent(_ rate: Double) -> String { "\(Int((rate * 100).rounded()))%" }
}
