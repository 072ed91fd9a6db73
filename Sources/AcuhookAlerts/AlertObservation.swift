import AcuhookCore

/// What the alert rules look at, read once per check: the inputs of ``AlertEvaluator``.
public struct AlertObservation: Sendable, Equatable {
    /// One plugin as the rules see it.
    public struct Plugin: Sendable, Equatable {
        /// Its breaker.
        public var breaker: CircuitBreakerPhase
        /// Calls made since its instance was created (a reload starts again at 0).
        public var calls: Int
        /// Of those, calls that failed.
        public var failures: Int

        /// A plugin's figures.
        public init(breaker: CircuitBreakerPhase, calls: Int, failures: Int) {
            self.breaker = breaker
            self.calls = calls
            self.failures = failures
        }
    }

    /// When, ms since the Unix epoch.
    public var nowUnixMilliseconds: Int64
    /// Loaded plugins by name.
    public var plugins: [String: Plugin] = [:]
    /// Dead letters in the store (nil when the store could not be read).
    public var deadLetters: Int?
    /// Configured sources by name: when each last answered a delivery with 2xx (nil: not since
    /// start-up).
    public var lastDeliveryBySource: [String: Int64?] = [:]
    /// Why the store cannot commit, or nil when it can.
    public var storeFailure: String?

    /// An observation at `now`.
    public init(nowUnixMilliseconds: Int64) {
        self.nowUnixMilliseconds = nowUnixMilliseconds
    }
}
