import AcuhookCore
import Foundation
import Logging
import Synchronization

/// Runs a plugin in worker processes (`isolation: process`): breaker → concurrency limit →
/// timeout → a framed call to one of the plugin's workers.
///
/// A worker that crashes (SIGSEGV, abort, `fatalError`, exit) fails its calls in flight as
/// `crashed` — failures for the breaker and the retry policy — and is started again after an
/// exponential backoff (100 ms doubling to 30 s, back to 100 ms after a reply). A call past its
/// timeout kills its worker with SIGKILL (no thread is ever lost); the worker's other calls fail
/// as crashed and it is restarted. A call that finds every worker restarting waits for one (at
/// most 2 s or its timeout), then fails as `unavailable`. The host's other plugins are not
/// affected by any of this.
///
/// Starting one ignores SIGPIPE in the host process (a worker dying mid-write must cost an
/// EPIPE, not the host). The plugin's descriptor is read in the host (its entry point, which the ABI requires to be
/// free of side effects); `create` and `handle` run only in the workers.
public final class ProcessPluginRunner<C: Clock>: PluginRunner where C.Duration == Duration {
    /// The plugin file.
    public let image: PluginImage
    /// The plugin's breaker.
    public let breaker: CircuitBreaker<C>
    /// Longest a call may run (and, separately, wait for a free slot).
    public let timeout: Duration
    /// Most calls in flight over all workers.
    public let concurrency: Int
    /// Worker processes kept running.
    public let workerCount: Int

    private struct Slot {
        var worker: WorkerProcess?
        var failures = 0
        var restarting = false
    }

    private let executable: String
    private let arguments: [String]
    private let limiter: ConcurrencyLimiter
    private let clock: C
    private let logger: Logger
    private let slots: Mutex<[Slot]>
    private let nextCall = Atomic<UInt64>(1)
    private let nextSlot = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex(PluginRunnerStatistics())
    private let restartCount = Atomic<Int>(0)

    /// Starts `workers` worker processes (`executable plugin-worker …`) for `image`.
    /// - Parameters:
    ///   - maxConcurrency: calls in flight over all workers; per worker it is at least 1, and 1
    ///     for plugins that are not thread-safe (calls are then spread over the workers).
    public init(
        image: PluginImage,
        settings: PluginSettings,
        limits: PluginInstance.Limits,
        executable: String,
        clock: C,
        logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "acuhook.plugin"] = "\(image.name)"
        self.image = image
        self.timeout = settings.timeout
        self.workerCount = max(1, settings.workers)
        let perWorker = image.threadSafe ? max(1, settings.maxConcurrency / workerCount) : 1
        self.concurrency = perWorker * workerCount
        self.limiter = ConcurrencyLimiter(limit: concurrency)
        self.breaker = CircuitBreaker(configuration: settings.breaker, clock: clock, logger: logger)
        self.clock = clock
        self.logger = logger
        self.executable = executable
        self.arguments = [
            "plugin-worker", "--plugin", settings.path, "--config-json", String(decoding: settings.configJSON, as: UTF8.self),
            "--concurrency", "\(perWorker)", "--max-output-bytes", "\(limits.maxOutputBytes)",
            "--max-derived-events", "\(limits.maxDerivedEvents)", "--max-derivation-depth", "\(limits.maxDerivationDepth)",
        ]
        self.slots = Mutex(Array(repeating: Slot(), count: workerCount))
        // A worker that dies while the host writes to it must cost an EPIPE, not the host.
        signal(SIGPIPE, SIG_IGN)
        for index in 0..<workerCount { start(slot: index) }
    }

    /// `process`.
    public var isolation: PluginIsolation { .process }
    /// A snapshot of the counters.
    public var statistics: PluginRunnerStatistics { counters.withLock { $0 } }
    /// The breaker's state name.
    public var breakerState: String { breaker.stateName }
    /// Whether the breaker refuses calls now.
    public var isRefusingCalls: Bool { breaker.isRefusingCalls }
    /// Forces the breaker open, disables it, or resets it.
    public func controlBreaker(_ action: BreakerAction, reason: String) {
        switch action {
        case .open: breaker.forceOpen(reason: reason)
        case .reset: breaker.reset(reason: reason)
        case .disable: breaker.disable(reason: reason)
        }
    }
    /// Workers started again after ending (crashes, kills on timeout).
    public var restarts: Int { restartCount.load(ordering: .relaxed) }
    /// Process ids of the workers running now.
    public var workerPIDs: [Int32] { slots.withLock { $0.compactMap { $0.worker?.pid } } }

    /// Handles one event in a worker.
    public func run(_ event: PluginEvent, attempt: Int) async -> PluginCallResult {
        let (permit, retryAt) = breaker.acquire()
        guard let permit else {
            counters.withLock { $0.notAttempted += 1 }
            let when = retryAt.map { " for another \(clock.now.duration(to: $0))" } ?? ""
            return PluginCallResult(outcome: .notAttempted(reason: "circuit breaker is \(breaker.stateName)\(when)"))
        }
        let started = clock.now
        guard await limiter.acquire(timeout: timeout, clock: clock) else {
            counters.withLock {
                $0.calls += 1
                $0.failures += 1
                $0.timeouts += 1
            }
            breaker.record(permit, failed: true)
            return PluginCallResult(outcome: .failed(.timeout), message: "no free call slot within \(timeout)", duration: started.duration(to: clock.now))
        }
        defer { limiter.release() }
        counters.withLock {
            $0.inFlight += 1
            $0.calls += 1
        }
        let result = await callWorker(event, attempt: attempt, started: started)
        counters.withLock { stats in
            stats.inFlight -= 1
            if result.isBreakerFailure { stats.failures += 1 }
            if case .failed(.timeout) = result.outcome { stats.timeouts += 1 }
        }
        breaker.record(permit, failed: result.isBreakerFailure)
        return result
    }

    private func callWorker(_ event: PluginEvent, attempt: Int, started: C.Instant) async -> PluginCallResult {
        // While every worker is restarting, wait for one (bounded), rather than fail a burst of
        // calls that would open the breaker over a single crash. A worker found dead before the
        // call was sent is skipped the same way.
        let wait = min(timeout, restartWait)
        let deadline = ContinuousClock.now + wait
        while !stopping.load(ordering: .relaxed) {
            if let worker = pickWorker(), let result = await call(worker, event, attempt: attempt, started: started) { return result }
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return PluginCallResult(
            outcome: .failed(.unavailable), message: "no worker process came up within \(wait) (restarting after failures)",
            duration: started.duration(to: clock.now)
        )
    }

    /// One call on `worker`; nil when it was not sent (the worker had ended).
    private func call(_ worker: WorkerProcess, _ event: PluginEvent, attempt: Int, started: C.Instant) async -> PluginCallResult? {
        let id = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        let timer = Task { [clock, timeout, logger] in
            do {
                try await clock.sleep(for: timeout)
            } catch {
                return
            }
            if worker.settle(id, .timedOut) {
                logger.warning(
                    "plugin call exceeded its timeout; killing its worker",
                    metadata: ["acuhook.timeout": "\(timeout)", "acuhook.worker.pid": "\(worker.pid)"]
                )
                worker.kill()
            }
        }
        let outcome = await worker.call(id: id, attempt: attempt, event: event)
        timer.cancel()
        let duration = started.duration(to: clock.now)
        switch outcome {
        case .reply(let reply):
            return PluginCallResult(outcome: reply.outcome, message: reply.message, output: reply.output, derived: reply.derived, duration: duration)
        case .timedOut:
            return PluginCallResult(outcome: .failed(.timeout), message: "plugin did not return within \(timeout); its worker was killed", duration: duration)
        case .ended(let reason):
            return PluginCallResult(outcome: .failed(.crashed), message: "the plugin's worker process ended during the call: \(reason)", duration: duration)
        case .notSent:
            return nil
        }
    }

    /// Longest a call waits for a restarting worker.
    private let restartWait: Duration = .seconds(2)

    private func pickWorker() -> WorkerProcess? {
        let first = nextSlot.wrappingAdd(1, ordering: .relaxed).oldValue
        return slots.withLock { slots -> WorkerProcess? in
            for offset in 0..<slots.count {
                if let worker = slots[(first + offset) % slots.count].worker { return worker }
            }
            return nil
        }
    }

    private func start(slot index: Int) {
        guard !stopping.load(ordering: .relaxed) else { return }
        do {
            let worker = try WorkerProcess(
                executable: executable,
                arguments: arguments,
                logger: logger,
                onHello: { [logger] hello in
                    if let error = hello.error {
                        logger.error("plugin worker could not load the plugin", metadata: ["acuhook.error": "\(error)"])
                    }
                },
                onReply: { [weak self] in self?.slots.withLock { $0[index].failures = 0 } },
                onEnd: { [weak self] worker, reason in self?.ended(worker, slot: index, reason: reason) }
            )
            slots.withLock { slots in
                slots[index].worker = worker
                slots[index].restarting = false
            }
            logger.info("plugin worker started", metadata: ["acuhook.worker.pid": "\(worker.pid)", "acuhook.worker.slot": "\(index)"])
        } catch {
            logger.error("cannot start a plugin worker", metadata: ["acuhook.error": "\(error)", "acuhook.worker.executable": "\(executable)"])
            // Try again later (with the growing backoff), like a worker that ended.
            slots.withLock { $0[index].restarting = false }
            ended(nil, slot: index, reason: "cannot start: \(error)")
        }
    }

    private func ended(_ worker: WorkerProcess?, slot index: Int, reason: String) {
        let failures = slots.withLock { slots -> Int? in
            if let worker, slots[index].worker !== worker { return nil }
            slots[index].worker = nil
            guard !slots[index].restarting else { return nil }
            slots[index].restarting = true
            slots[index].failures += 1
            return slots[index].failures
        }
        guard let failures, !stopping.load(ordering: .relaxed) else { return }
        let delay = Duration.milliseconds(min(30_000, 100 << min(failures - 1, 9)))
        logger.warning(
            "plugin worker ended; restarting it",
            metadata: ["acuhook.worker.reason": "\(reason)", "acuhook.worker.restart_in": "\(delay)", "acuhook.worker.slot": "\(index)"]
        )
        restartCount.wrappingAdd(1, ordering: .relaxed)
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            self?.start(slot: index)
        }
    }

    /// Stops the workers: each finishes its calls and exits when its input closes; any still
    /// running after `grace` is killed.
    public func shutdown(grace: Duration = .seconds(5)) async {
        stopping.store(true, ordering: .relaxed)
        let workers = slots.withLock { $0.compactMap(\.worker) }
        for worker in workers { worker.closeInput() }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, workers.contains(where: { Glibc.kill($0.pid, 0) == 0 && $0.inFlight > 0 }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for worker in workers where Glibc.kill(worker.pid, 0) == 0 { worker.kill() }
    }
}
