import AcuhookCore

/// Runs one plugin's calls: breaker, concurrency limit, timeout and the call itself.
///
/// ``GuardedPluginRunner`` implements it over a ``PluginTransport``: a thread pool in this
/// process, or worker processes.
public protocol PluginRunner: PluginCallSite {
    /// Longest a call may run.
    var timeout: Duration { get }
    /// Whether the breaker refuses calls now (open and not yet due to half-open, or forced open).
    var isRefusingCalls: Bool { get }
    /// Forces the breaker open, disables it, or resets it to closed (logged with `reason`).
    func controlBreaker(_ action: BreakerAction, reason: String)
    /// Handles `calls` in one call of the plugin (one event, or a batch) and returns one result
    /// per call, in order; never throws — every ending is a ``PluginCallResult``. Each event is
    /// judged by the breaker on its own.
    func run(_ calls: [PluginCall]) async -> [PluginCallResult]
    /// Counters for operators and tests.
    var statistics: PluginRunnerStatistics { get }
    /// The breaker's state.
    var breakerState: CircuitBreakerPhase { get }
    /// The plugin's metrics: exported series, recent latencies and breaker transitions.
    var metrics: PluginMetrics { get }
    /// Stops taking calls: calls in flight finish for up to `grace`; worker processes are then
    /// killed. (A pool thread lost to a hung plugin cannot be stopped.)
    func shutdown(grace: Duration) async
}

/// Where one plugin's calls go: described alike by its runner and by its transport.
public protocol PluginCallSite: Sendable {
    /// What the plugin is.
    var image: PluginImage { get }
    /// In this process or in worker processes.
    var isolation: PluginIsolation { get }
    /// Most calls in flight at once (1 for plugins that are not thread-safe).
    var concurrency: Int { get }
}

/// What an operator can do to a plugin's breaker.
public enum BreakerAction: String, Sendable, CaseIterable {
    /// Open until reset: no calls at all (the plugin's jobs wait in the store).
    case open
    /// Closed, with fresh counts.
    case reset
    /// Never open, whatever fails.
    case disable
}

/// Counters of one runner.
public struct PluginRunnerStatistics: Sendable, Equatable {
    /// Calls running now (including lost ones).
    public var inFlight = 0
    /// Calls past their timeout that have not returned yet; each holds a pool thread.
    public var lost = 0
    /// Calls made.
    public var calls = 0
    /// Calls that counted as breaker failures.
    public var failures = 0
    /// Calls not attempted because the breaker was open.
    public var notAttempted = 0
    /// Calls that timed out.
    public var timeouts = 0
    /// Worker processes started again after they ended (isolated plugins).
    public var restarts = 0

    /// Zeroes.
    public init() {}
}

extension PluginRunner {
    /// Stops taking calls, with 5 s of grace for calls in flight.
    public func shutdown() async { await shutdown(grace: .seconds(5)) }

    /// Handles one event with the plugin.
    public func run(_ event: PluginEvent, attempt: Int) async -> PluginCallResult {
        await run([PluginCall(event, attempt: attempt)])[0]
    }
}
