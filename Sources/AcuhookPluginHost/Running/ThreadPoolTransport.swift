import AcuhookCore
import Logging
import NIOPosix
import Synchronization

/// Calls a plugin in this process, through the C ABI on a thread of the host's plugin pool.
///
/// A call past its timeout ends at once as a failure, but its pool thread stays busy until
/// the plugin returns: the call is counted in ``lostCalls`` and keeps its slot (``release`` is
/// called only then). No thread is ever started to replace a lost one.
public final class ThreadPoolTransport<C: Clock>: PluginTransport where C.Duration == Duration {
    /// The created plugin.
    public let instance: PluginInstance
    /// Most calls at once: the configured limit for thread-safe plugins, else 1.
    public let concurrency: Int
    /// Whether several events go to the plugin's `handle_batch` in one call (when it has one).
    public let batches: Bool
    private let pool: NIOThreadPool
    private let clock: C
    private let logger: Logger
    private let lost = Mutex(0)
    /// Calls whose plugin has not returned yet, by call number (settled or not).
    private let running = Mutex<[UInt64: (race: CallRace<[PluginCallResult]>, count: Int)]>([:])
    private let nextCall = Atomic<UInt64>(0)
    /// Set by ``shutdown(grace:)``: calls of several events stop before their next event.
    private let stopping = Atomic<Bool>(false)
    private let metrics: PluginMetrics?

    /// Calls `instance` on `pool`; `maxConcurrency` is lowered to 1 unless the plugin is
    /// thread-safe; with `batches`, several events go to `handle_batch` in one call (a plugin
    /// without it gets one `handle` call after another, in one hop to the pool); `metrics`, when
    /// given, counts lost threads.
    public init(
        instance: PluginInstance, maxConcurrency: Int, batches: Bool = false, pool: NIOThreadPool, clock: C, logger: Logger,
        metrics: PluginMetrics? = nil
    ) {
        self.metrics = metrics
        self.instance = instance
        self.batches = batches
        self.concurrency = instance.image.threadSafe ? max(1, maxConcurrency) : 1
        self.pool = pool
        self.clock = clock
        self.logger = logger
    }

    /// The plugin file.
    public var image: PluginImage { instance.image }
    /// `in-process`.
    public var isolation: PluginIsolation { .inProcess }
    /// Calls past their timeout whose threads have not returned.
    public var lostCalls: Int { lost.withLock { $0 } }
    /// Always 0: nothing restarts in process.
    public var restarts: Int { 0 }

    /// Runs the calls on one pool thread, racing them against `timeout` on the injected clock:
    /// a batch (`handle_batch`) as one call with one timeout, several events without it one
    /// `handle` after another, each with its own timeout (``callEach(_:timeout:release:)``).
    public func call(_ calls: [PluginCall], timeout: Duration, release: @escaping @Sendable () -> Void) async -> [PluginCallResult] {
        if calls.count > 1, !(batches && instance.image.handlesBatches) {
            return await callEach(calls, timeout: timeout, release: release)
        }
        let race = CallRace<[PluginCallResult]>()
        let count = calls.count
        let id = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        running.withLock { $0[id] = (race, count) }
        return await withCheckedContinuation { continuation in
            race.arm(continuation)
            pool.submit { [self] state in
                guard case .active = state else { return poolShutDown(id, race, count: count, release: release) }
                let callStarted = ContinuousClock.now
                let invocation = instance.invoke(calls, asBatch: batches)
                finish(id, race, invocation, startedAt: callStarted, release: release)
            }
            let timer = Task { [self] in
                do {
                    try await clock.sleep(for: timeout)
                } catch {
                    return
                }
                // Counted and logged before the caller resumes, so it already sees the lost call.
                lost.withLock { lost in
                    guard race.settle(Array(repeating: .failure(.timeout, "plugin did not return within \(timeout)"), count: count)) else { return }
                    lost += 1
                    metrics?.recordLostThread()
                    logger.warning(
                        "plugin call exceeded its timeout; its thread is lost until the call returns",
                        metadata: ["acuhook.timeout": "\(timeout)", "acuhook.plugin.lost_threads": "\(lost)", "acuhook.pool.threads": "\(pool.numberOfThreads)"]
                    )
                }
            }
            race.attach(timer: timer)
        }
    }

    /// Several events in one hop to one pool thread, one `handle` call after another, each with
    /// its own `timeout`: an event past it ends as `timeout` (its thread is lost until the plugin
    /// returns, as for a single call) and the events after it as `unavailable`, not called (the
    /// dispatcher holds their jobs, no attempt spent). At ``shutdown(grace:)`` the call stops
    /// before its next event, and those left are `unavailable` too. One timer follows the event
    /// running now.
    private func callEach(_ calls: [PluginCall], timeout: Duration, release: @escaping @Sendable () -> Void) async -> [PluginCallResult] {
        let race = CallRace<[PluginCallResult]>()
        let count = calls.count
        let id = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        let progress = GroupProgress(startedAt: clock.now)
        running.withLock { $0[id] = (race, count) }
        return await withCheckedContinuation { continuation in
            race.arm(continuation)
            pool.submit { [self] state in
                guard case .active = state else { return poolShutDown(id, race, count: count, release: release) }
                let callStarted = ContinuousClock.now
                for call in calls {
                    let go = progress.withLock { progress -> Bool in
                        guard !progress.abandoned, !race.isSettled, !stopping.load(ordering: .relaxed) else { return false }
                        progress.startedAt = clock.now
                        return true
                    }
                    guard go else { break }
                    let result = instance.invoke(call.event, attempt: call.attempt)
                    let kept = progress.withLock { progress -> Bool in
                        guard !progress.abandoned else { return false }
                        progress.results.append(result)
                        return true
                    }
                    guard kept else { break }
                }
                // Stopped early (the transport is stopping): the events not called are not attempted.
                var results = progress.withLock { $0.results }
                results += Array(repeating: .failure(.unavailable, "not called: the plugin is stopping"), count: count - results.count)
                finish(id, race, results, startedAt: callStarted, release: release)
            }
            let timer = Task { [self] in
                while true {
                    let (done, started) = progress.withLock { ($0.results.count, $0.startedAt) }
                    do {
                        try await clock.sleep(until: started.advanced(by: timeout), tolerance: nil)
                    } catch {
                        return
                    }
                    // Still the same event, unfinished: it is past its timeout.
                    let finished = progress.withLock { progress -> [PluginCallResult]? in
                        guard !progress.abandoned, progress.results.count == done, progress.startedAt == started else { return nil }
                        progress.abandoned = true
                        return progress.results
                    }
                    guard let finished else { continue }
                    let ending = finished + [.failure(.timeout, "plugin did not return within \(timeout)")]
                        + Array(repeating: .failure(.unavailable, "not called: an earlier event of the same call passed its timeout"), count: count - finished.count - 1)
                    lost.withLock { lost in
                        guard race.settle(ending) else { return }
                        lost += 1
                        metrics?.recordLostThread()
                        logger.warning(
                            "plugin call exceeded its timeout; its thread is lost until the call returns",
                            metadata: ["acuhook.timeout": "\(timeout)", "acuhook.plugin.lost_threads": "\(lost)", "acuhook.pool.threads": "\(pool.numberOfThreads)"]
                        )
                    }
                    return
                }
            }
            race.attach(timer: timer)
        }
    }

    /// A call the pool would not run (it is shut down): every event `unavailable`.
    private func poolShutDown(_ id: UInt64, _ race: CallRace<[PluginCallResult]>, count: Int, release: @Sendable () -> Void) {
        running.withLock { _ = $0.removeValue(forKey: id) }
        release()
        race.settle(Array(repeating: .failure(.unavailable, "the plugin thread pool is shut down"), count: count))
    }

    /// The plugin returned: the slot is freed before the caller wakes (so what it sees next
    /// reflects this end), then the call settles — or, if its timeout (or a stop) settled it
    /// already, its lost thread is counted back.
    private func finish(_ id: UInt64, _ race: CallRace<[PluginCallResult]>, _ results: [PluginCallResult], startedAt: ContinuousClock.Instant, release: @Sendable () -> Void) {
        running.withLock { _ = $0.removeValue(forKey: id) }
        release()
        guard !race.settle(results) else { return }
        lost.withLock { lost in
            lost -= 1
            logger.notice(
                "plugin call returned after its timeout; its thread is free again",
                metadata: ["acuhook.call.duration": "\(startedAt.duration(to: .now))", "acuhook.plugin.lost_threads": "\(lost)"]
            )
        }
    }

    /// How far a call of several events has got, shared by its pool thread and its timer.
    private final class GroupProgress: Sendable {
        struct State {
            var results: [PluginCallResult] = []
            var startedAt: C.Instant
            /// Set when the call was ended from outside (a timeout): the thread stops calling.
            var abandoned = false
        }

        private let state: Mutex<State>

        init(startedAt: C.Instant) { state = Mutex(State(startedAt: startedAt)) }

        func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// Waits up to `grace` (wall-clock time) for calls in flight to return, then ends those
    /// still running as `unavailable` (their callers are answered; the dispatcher gives their
    /// jobs back unattempted). A plugin call cannot be interrupted: its thread stays busy and is
    /// counted as lost until the plugin returns, or the process exits.
    public func shutdown(grace: Duration) async {
        stopping.store(true, ordering: .relaxed)
        let deadline = ContinuousClock.now + grace
        func waiting() -> [(race: CallRace<[PluginCallResult]>, count: Int)] { running.withLock { Array($0.values) }.filter { !$0.race.isSettled } }
        while !waiting().isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for (race, count) in waiting() {
            lost.withLock { lost in
                let ending = PluginCallResult.failure(.unavailable, "abandoned at shutdown: the plugin had not returned within \(grace)")
                guard race.settle(Array(repeating: ending, count: count)) else { return }
                lost += 1
                metrics?.recordLostThread()
                logger.warning("plugin call abandoned at shutdown; its job returns to the queue unattempted", metadata: ["acuhook.shutdown.grace": "\(grace)"])
            }
        }
    }
}

extension GuardedPluginRunner where Transport == ThreadPoolTransport<C> {
    /// A runner for a plugin created in this process, called on `pool`.
    public convenience init(
        instance: PluginInstance,
        timeout: Duration,
        maxConcurrency: Int,
        batches: Bool = false,
        breaker: CircuitBreakerSettings,
        pool: NIOThreadPool,
        clock: C,
        logger: Logger,
        metrics: PluginMetrics? = nil
    ) {
        let (logger, metrics) = Self.named(instance.image.name, logger: logger, metrics: metrics)
        let transport = ThreadPoolTransport(
            instance: instance, maxConcurrency: maxConcurrency, batches: batches, pool: pool, clock: clock, logger: logger, metrics: metrics
        )
        self.init(transport: transport, timeout: timeout, breaker: breaker, clock: clock, logger: logger, metrics: metrics)
    }

    /// The created plugin.
    public var instance: PluginInstance { transport.instance }
}
