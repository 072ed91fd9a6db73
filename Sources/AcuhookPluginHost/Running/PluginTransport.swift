import AcuhookCore

/// How calls reach one plugin: a thread pool in this process (``ThreadPoolTransport``) or
/// worker processes (``WorkerPoolTransport``). The policy around each call — breaker,
/// concurrency limit, counters — is ``GuardedPluginRunner``'s, once for both.
public protocol PluginTransport: PluginCallSite {
    /// Calls past their timeout that still hold a thread (a plugin that has not returned).
    var lostCalls: Int { get }
    /// Workers started again after they ended.
    var restarts: Int { get }

    /// Makes one call of the plugin with `calls` (one event, or a batch) and returns how each
    /// ended, in order: the plugin's result, or the transport's failure (out of time, its worker
    /// crashed, nothing could run it) with its explanation. The durations are the caller's to
    /// measure (zero here).
    ///
    /// - Important: `release` is called exactly once, when the call no longer holds anything:
    ///   for a call past its timeout on a pool thread, that is when the plugin finally returns,
    ///   which may be long after this method did.
    func call(_ calls: [PluginCall], timeout: Duration, release: @escaping @Sendable () -> Void) async -> [PluginCallResult]

    /// Stops taking calls; lets calls in flight finish for up to `grace`, then ends them.
    func shutdown(grace: Duration) async
}
