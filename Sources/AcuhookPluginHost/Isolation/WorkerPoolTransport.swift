import AcuhookCore
import Foundation
import Logging
import Synchronization

/// Calls a plugin in `acuhook plugin-worker` processes (`isolation: process`), framed over
/// their stdin and stdout.
///
/// A worker that crashes (SIGSEGV, abort, `fatalError`, exit) during a call is started again
/// after 100 ms; one that ends with no call in flight (it cannot start the plugin) backs off
/// exponentially (100 ms doubling to 30 s, back to 100 ms after a reply). A crash with several
/// calls in flight is attributed: each of those calls runs again alone on a fresh worker, and
/// only one that crashes alone fails as `crashed`. A call past its timeout kills its worker with
/// SIGKILL (no thread is ever lost); the worker's other calls run again alone, and it is
/// restarted. A call that finds every worker restarting waits for one (at most 2 s or its
/// timeout), then fails as `unavailable` (the dispatcher holds its job, charging no attempt).
/// The host's other plugins are not affected by any of this.
///
/// Starting one ignores SIGPIPE in the host process (a worker dying mid-write must cost an
/// EPIPE, not the host). The plugin's descriptor is read in the host (its entry point, which the
/// ABI requires to be free of side effects); `create` and `handle` run only in the workers.
public final class WorkerPoolTransport<C: Clock>: PluginTransport where C.Duration == Duration {
    /// The plugin file.
    public let image: PluginImage
    /// Most calls in flight over all workers.
    public let concurrency: Int
    /// Worker processes kept running.
    public let workerCount: Int
    /// Whether several events go to the plugin's `handle_batch` in one call (`settings.batch`).
    public let batches: Bool

    private struct Slot {
        var worker: WorkerProcess?
        var failures = 0
        var restarting = false
    }

    private let executable: String
    private let arguments: [String]
    private let clock: C
    private let logger: Logger
    private let slots: Mutex<[Slot]>
    private let nextCall = Atomic<UInt64>(1)
    private let nextSlot = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let restartCount = Atomic<Int>(0)
    /// Calls whose worker ended with others in flight are run again here, one at a time.
    private let soloLane = SoloLane()
    private let metrics: PluginMetrics?
    /// Longest a call waits for a restarting worker.
    private let restartWait: Duration = .seconds(2)

    /// Starts `settings.workers` worker processes (`executable plugin-worker …`) for `image`.
    /// `settings.maxConcurrency` is spread over the workers: at least 1 each, and 1 each for
    /// plugins that are not thread-safe. `metrics`, when given, counts restarts.
    public init(
        image: PluginImage,
        settings: PluginSettings,
        limits: PluginInstance.Limits,
        executable: String,
        clock: C,
        logger: Logger,
        metrics: PluginMetrics? = nil
    ) {
        self.image = image
        self.metrics = metrics
        self.workerCount = max(1, settings.workers)
        self.batches = settings.batch != nil
        let perWorker = image.threadSafe ? max(1, settings.maxConcurrency / workerCount) : 1
        self.concurrency = perWorker * workerCount
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
    /// Always 0: a call past its timeout kills its worker instead of holding a thread.
    public var lostCalls: Int { 0 }
    /// Workers started again after ending (crashes, kills on timeout).
    public var restarts: Int { restartCount.load(ordering: .relaxed) }
    /// Process ids of the workers running now.
    public var workerPIDs: [Int32] { slots.withLock { $0.compactMap { $0.worker?.pid } } }

    /// Sends the call to a worker; while every worker is restarting, waits for one (bounded)
    /// rather than fail a burst of calls that would open the breaker over a single crash.
    public func call(_ calls: [PluginCall], timeout: Duration, release: @escaping @Sendable () -> Void) async -> [PluginCallResult] {
        defer { release() }
        let wait = min(timeout, restartWait)
        let deadline = clock.now.advanced(by: wait)
        while !stopping.load(ordering: .relaxed) {
            if let worker = pickWorker(), let endings = await call(worker, calls, timeout: timeout) { return endings }
            if clock.now >= deadline { break }
            try? await clock.sleep(for: .milliseconds(5))
        }
        return Self.every(calls, .failure(.unavailable, "no worker process came up within \(wait) (restarting after failures)"))
    }

    /// The same ending for each of `calls`.
    private static func every(_ calls: [PluginCall], _ ending: PluginCallResult) -> [PluginCallResult] {
        Array(repeating: ending, count: calls.count)
    }

    /// One call on `worker`; nil when it was not sent (the worker had ended).
    private func call(_ worker: WorkerProcess, _ calls: [PluginCall], timeout: Duration) async -> [PluginCallResult]? {
        let id = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        let timer = Task { [clock, logger] in
            do {
                try await clock.sleep(for: timeout)
            } catch {
                return
            }
            if worker.settle(id, .timedOut) {
                logger.warning("plugin call exceeded its timeout; killing its worker", metadata: ["acuhook.timeout": "\(timeout)", "acuhook.worker.pid": "\(worker.pid)"])
                worker.kill()
            }
        }
        let outcome = await worker.call(id: id, calls, asBatch: batches)
        timer.cancel()
        switch outcome {
        case .reply(let replies): return Self.matched(replies, calls)
        case .timedOut: return Self.every(calls, .failure(.timeout, "plugin did not return within \(timeout); its worker was killed"))
        case .ended(let reason, let alone):
            // Killed by shutdown after its grace: not the events' fault.
            if stopping.load(ordering: .relaxed) { return Self.every(calls, .failure(.unavailable, "abandoned at shutdown: its worker was stopped (\(reason))")) }
            if alone, calls.count == 1 { return [.failure(.crashed, "the plugin's worker process ended during the call: \(reason)")] }
            // The worker ran other calls too (or was killed for one), or this call was a batch:
            // which event caused the end is not known. Run each event again, alone on a fresh
            // worker; only an event that ends its worker when alone is charged with the crash.
            logger.notice(
                "plugin worker ended during a call it did not run alone; running each of its events again alone",
                metadata: ["acuhook.worker.end": "\(reason)", "acuhook.call.events": "\(calls.count)"]
            )
            var endings: [PluginCallResult] = []
            for call in calls {
                endings.append(await soloLane.run { await self.callAlone(call, timeout: timeout) })
            }
            return endings
        case .notSent: return nil
        }
    }

    /// A worker's replies, one per call; a reply of another length breaks the protocol and fails
    /// every event of the call.
    private static func matched(_ replies: [PluginCallResult], _ calls: [PluginCall]) -> [PluginCallResult] {
        guard replies.count == calls.count else {
            return every(calls, .failure(.invalidResult, "the worker answered \(replies.count) results for \(calls.count) events"))
        }
        return replies
    }

    /// One event on a worker of its own, started for it and stopped after it.
    private func callAlone(_ call: PluginCall, timeout: Duration) async -> PluginCallResult {
        let worker: WorkerProcess
        do {
            worker = try WorkerProcess(executable: executable, arguments: arguments, logger: logger, onHello: { _ in }, onReply: {}, onEnd: { _, _ in })
        } catch {
            return .failure(.unavailable, "cannot start a worker to run the call alone: \(error)")
        }
        defer { worker.closeInput() }
        let id = nextCall.wrappingAdd(1, ordering: .relaxed).oldValue
        let timer = Task { [clock] in
            guard (try? await clock.sleep(for: timeout)) != nil else { return }
            if worker.settle(id, .timedOut) { worker.kill() }
        }
        defer { timer.cancel() }
        switch await worker.call(id: id, [call], asBatch: batches) {
        case .reply(let replies): return Self.matched(replies, [call])[0]
        case .timedOut: return .failure(.timeout, "plugin did not return within \(timeout) (run alone); its worker was killed")
        case .ended(let reason, _): return .failure(.crashed, "the plugin's worker process ended during the call, run alone: \(reason)")
        case .notSent: return .failure(.unavailable, "the worker for running the call alone ended before the call was sent")
        }
    }

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
        // A worker that ended during a call: the call is charged (and retried with its own
        // backoff), so the worker comes back at once. One that ended with nothing to do (it
        // cannot start, or dies on its own) backs off more each time in a row.
        let duringCall = (worker?.inFlight ?? 0) > 0
        let failures = slots.withLock { slots -> Int? in
            if let worker, slots[index].worker !== worker { return nil }
            slots[index].worker = nil
            guard !slots[index].restarting else { return nil }
            slots[index].restarting = true
            if !duringCall { slots[index].failures += 1 }
            return max(1, slots[index].failures)
        }
        guard let failures, !stopping.load(ordering: .relaxed) else { return }
        let delay = Duration.milliseconds(min(30_000, 100 << min(failures - 1, 9)))
        logger.warning(
            "plugin worker ended; restarting it",
            metadata: ["acuhook.worker.reason": "\(reason)", "acuhook.worker.restart_in": "\(delay)", "acuhook.worker.slot": "\(index)"]
        )
        restartCount.wrappingAdd(1, ordering: .relaxed)
        metrics?.recordRestart()
        Task { [weak self, clock] in
            try? await clock.sleep(for: delay)
            self?.start(slot: index)
        }
    }

    /// Stops the workers: each finishes its calls and exits when its input closes; any still
    /// running after `grace` is killed.
    public func shutdown(grace: Duration) async {
        stopping.store(true, ordering: .relaxed)
        let workers = slots.withLock { $0.compactMap(\.worker) }
        for worker in workers { worker.closeInput() }
        let deadline = clock.now.advanced(by: grace)
        while clock.now < deadline, workers.contains(where: { Glibc.kill($0.pid, 0) == 0 && $0.inFlight > 0 }) {
            try? await clock.sleep(for: .milliseconds(20))
        }
        for worker in workers where Glibc.kill(worker.pid, 0) == 0 { worker.kill() }
    }
}

extension GuardedPluginRunner where Transport == WorkerPoolTransport<C> {
    /// A runner for a plugin in `settings.workers` worker processes (`executable plugin-worker …`).
    public convenience init(
        image: PluginImage,
        settings: PluginSettings,
        limits: PluginInstance.Limits,
        executable: String,
        clock: C,
        logger: Logger,
        metrics: PluginMetrics? = nil
    ) {
        let (logger, metrics) = Self.named(image.name, logger: logger, metrics: metrics)
        let transport = WorkerPoolTransport(image: image, settings: settings, limits: limits, executable: executable, clock: clock, logger: logger, metrics: metrics)
        self.init(transport: transport, timeout: settings.timeout, breaker: settings.breaker, clock: clock, logger: logger, metrics: metrics)
    }

    /// Process ids of the workers running now.
    public var workerPIDs: [Int32] { transport.workerPIDs }
    /// Workers started again after ending.
    public var restarts: Int { transport.restarts }
}
