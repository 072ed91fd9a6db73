import AcuhookCore

/// Runs one plugin's calls: breaker, concurrency limit, timeout and the call itself.
///
/// The in-process runner calls the plugin through the C ABI on a pool thread; an isolated runner
/// (a worker process) implements the same protocol.
public protocol PluginRunner: Sendable {
    /// What the plugin is.
    var image: PluginImage { get }
    /// Handles one event with the plugin; never throws — every ending is a ``PluginCallResult``.
    func run(_ event: PluginEvent, attempt: Int) async -> PluginCallResult
    /// Counters for operators and tests.
    var statistics: PluginRunnerStatistics { get }
    /// The breaker's state name.
    var breakerState: String { get }
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

    /// Zeroes.
    public init() {}
}
