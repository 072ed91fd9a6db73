import AcuhookCore
import Logging
import Synchronization

/// A plugin's circuit breaker: the pure ``CircuitBreakerStateMachine`` behind a `Mutex`, read
/// from an injected clock, logging every transition with the plugin's name and the reason.
public final class CircuitBreaker<C: Clock>: Sendable where C.Duration == Duration {
    /// The state machine's permit type.
    public typealias Permit = CircuitBreakerStateMachine<C.Instant>.Permit

    private let machine: Mutex<CircuitBreakerStateMachine<C.Instant>>
    private let clock: C
    private let logger: Logger
    private let metrics: PluginMetrics?

    /// Creates a breaker; `logger` should carry the plugin's name (`acuhook.plugin`); `metrics`,
    /// when given, follows its state and counts its transitions.
    public init(configuration: CircuitBreakerSettings, clock: C, logger: Logger, metrics: PluginMetrics? = nil) {
        let machine = CircuitBreakerStateMachine<C.Instant>(configuration: configuration)
        metrics?.recordBreaker(machine.state.phase)
        self.machine = Mutex(machine)
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// The current state without its details.
    public var phase: CircuitBreakerPhase { machine.withLock { $0.state.phase } }

    /// The current state.
    public var state: CircuitBreakerStateMachine<C.Instant>.State { machine.withLock { $0.state } }

    /// Whether calls are refused now without a state change: open and not yet due to half-open,
    /// or forced open. The dispatcher leaves such a plugin's jobs in the store meanwhile.
    public var isRefusingCalls: Bool {
        let now = clock.now
        return machine.withLock { machine in
            switch machine.state {
            case .forcedOpen: true
            case .open(let until): now < until
            case .closed, .halfOpen, .disabled: false
            }
        }
    }

    /// Admits a call (returns its permit) or refuses it (returns `nil` and when to try again).
    public func acquire() -> (permit: Permit?, retryAt: C.Instant?) {
        let now = clock.now
        let (admission, transition) = machine.withLock { $0.acquire(now: now) }
        log(transition)
        switch admission {
        case .allow(let permit): return (permit, nil)
        case .reject(let retryAt): return (nil, retryAt)
        }
    }

    /// Records the outcome of an admitted call.
    public func record(_ permit: Permit, failed: Bool) {
        let now = clock.now
        log(machine.withLock { $0.record(permit, failed ? .failure : .success, now: now) })
    }

    /// Gives back the permit of a call that never ran.
    public func release(_ permit: Permit) { machine.withLock { $0.release(permit) } }

    /// Opens the breaker until reset (operator action).
    public func forceOpen(reason: String) { log(machine.withLock { $0.forceOpen(reason: reason) }) }
    /// Turns the breaker off until reset (operator action).
    public func disable(reason: String) { log(machine.withLock { $0.disable(reason: reason) }) }
    /// Closes the breaker and forgets its history (operator action).
    public func reset(reason: String) { log(machine.withLock { $0.reset(reason: reason) }) }

    private func log(_ transition: CircuitBreakerStateMachine<C.Instant>.Transition?) {
        guard let transition else { return }
        metrics?.recordBreaker(transition.to, from: transition.from, reason: "\(transition.reason)")
        logger.log(
            level: transition.to == .closed || transition.to == .halfOpen ? .notice : .warning,
            "circuit breaker changed state",
            metadata: [
                "acuhook.breaker.from": "\(transition.from)",
                "acuhook.breaker.to": "\(transition.to)",
                "acuhook.breaker.reason": "\(transition.reason)",
            ]
        )
    }
}
