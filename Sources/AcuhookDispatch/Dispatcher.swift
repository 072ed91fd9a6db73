import AcuhookCore
import AcuhookPluginHost
import AcuhookStore
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import AcuhookJSON

/// Moves stored jobs to the plugins: claims due jobs under a lease, runs each through its
/// plugin's runner (breaker → concurrency limit → timeout → call), and commits the outcome —
/// done, retry later with backoff, held while the breaker is open (no attempt counted), or the
/// dead-letter queue. A swift-service-lifecycle `Service`: on graceful shutdown it stops claiming,
/// gives claimed jobs no worker started back to the store, lets calls in flight finish and commits
/// their outcomes. (After a crash, claimed jobs return when their lease expires.)
public final class Dispatcher<C: Clock>: Service where C.Duration == Duration {
    private let store: any EventStore
    private let host: PluginHost<C>
    private let configuration: DispatchSettings
    private let wallClock: any WallClock
    private let logger: Logger
    private let feed: ActivityFeed?
    private let metricsFactory: any MetricsFactory
    /// Signal it to look for work now (the receiver does after each stored delivery).
    public let wakeup = Wakeup()
    private let pacer = RatePacer()

    /// Creates a dispatcher over `store` and the plugins of `host`; each attempt's end is
    /// published to `feed` (while anyone follows it).
    public init(
        store: any EventStore,
        host: PluginHost<C>,
        configuration: DispatchSettings = DispatchSettings(),
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger,
        feed: ActivityFeed? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.feed = feed
        self.metricsFactory = metricsFactory
        self.store = store
        self.wallClock = wallClock
        self.host = host
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until graceful shutdown or cancellation.
    ///
    /// The loop claims jobs when fewer than a quarter of `claimBatch` wait, queues them per
    /// plugin and starts up to the plugin's concurrency limit of workers; a worker runs its
    /// plugin's jobs one after another and hands each outcome to the completion buffer, whose
    /// flusher commits them in batches (sharing transactions with the receiver's writes).
    public func run() async throws {
        let queues = ReadyJobs()
        let completions = CompletionBuffer()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.flush(completions) }
            await withDiscardingTaskGroup { workers in
                while !Task.isShuttingDownGracefully, !Task.isCancelled {
                    // Per plugin, claim when its queue runs low. A plugin whose breaker refuses
                    // calls is skipped: its jobs stay in the store (claiming and holding them
                    // again and again would take the healthy plugins' share), as do those of a
                    // plugin that is not loaded.
                    let waiting = queues.waitingByPlugin
                    var limits: [String: Int] = [:]
                    for (name, runner) in host.runners where !runner.isRefusingCalls {
                        let batch = batchSize(of: runner)
                        let queued = waiting[name] ?? 0
                        guard queued <= batch / 4 else { continue }
                        // A plugin with a rate claims only what its bucket allows: the rest
                        // wait in the store, no attempt spent.
                        let allowed = pacer.allowance(name, rate: host.settings(for: name)?.rate, wanted: batch - queued)
                        if allowed > 0 { limits[name] = allowed }
                    }
                    var claimed = 0
                    if !limits.isEmpty {
                        do {
                            let jobs = try await store.claimJobs(perPlugin: limits, lease: configuration.lease, nowUnixMilliseconds: now())
                            claimed = jobs.count
                            for (plugin, count) in Dictionary(grouping: jobs, by: \.plugin).mapValues(\.count) { pacer.claimed(count, of: plugin) }
                            for (plugin, count) in queues.add(jobs, limit: { self.host.runners[$0]?.concurrency ?? 1 }) {
                                for _ in 0..<count {
                                    workers.addTask { await self.work(for: plugin, queues: queues, completions: completions) }
                                }
                            }
                        } catch {
                            logger.error("cannot claim jobs; will retry", metadata: ["acuhook.error": "\(error)"])
                        }
                    }
                    if claimed == 0 { await wakeup.wait(upTo: min(configuration.idlePoll, pacer.untilNextToken() ?? configuration.idlePoll)) }
                }
                // Calls in flight get the grace period; those still running then (a hung plugin)
                // are ended and their jobs held, unattempted (see `run(_:on:)`).
                workers.addTask { await self.host.endCalls(grace: self.configuration.shutdownGrace) }
                // Claimed jobs no worker started go back to the store now, not when their lease
                // expires: a restart does not delay them.
                let unstarted = queues.drain()
                if !unstarted.isEmpty {
                    do {
                        try await store.release(unstarted, nowUnixMilliseconds: now())
                        logger.info("dispatcher stopping; claimed jobs not started were returned to the queue", metadata: ["acuhook.jobs": "\(unstarted.count)"])
                    } catch {
                        logger.warning("dispatcher stopping; claimed jobs return to the queue when their lease expires", metadata: ["acuhook.jobs": "\(unstarted.count)", "acuhook.error": "\(error)"])
                    }
                }
            }
            // Every worker has finished: commit what they left, then stop the flusher.
            completions.close()
        }
    }

    /// Most jobs of one plugin claimed and waiting at once: enough to keep its slots busy
    /// between claims (two full batches for a batching plugin), at most `claimBatch` unless a
    /// batch needs more.
    private func batchSize(of runner: any PluginRunner) -> Int {
        let calls = min(configuration.claimBatch, max(32, runner.concurrency * 32))
        return max(calls, 2 * (host.settings(for: runner.image.name)?.batch?.maxEvents ?? 0))
    }

    /// Most jobs an in-process plugin without `batch` gets in one hop (one `handle` call after
    /// another on one pool thread, each with its own timeout).
    static var hop: Int { 32 }

    /// One worker of `plugin`: runs the plugin's queued jobs one call after another — up to
    /// `batch.maxEvents` in one call, waiting up to `batch.maxWait` to fill it; without `batch`,
    /// its share of the ready jobs (at most ``hop``) in one hop to the plugin's thread, or one
    /// job at a time for an isolated plugin or a half-open breaker.
    private func work(for plugin: String, queues: ReadyJobs, completions: CompletionBuffer) async {
        let runner = host.runners[plugin]
        let lowWater = runner.map { batchSize(of: $0) / 4 } ?? 0
        let batch = host.settings(for: plugin)?.batch
        let grouped = batch == nil && runner?.isolation == .inProcess
        let most = max(1, batch?.maxEvents ?? (grouped ? Self.hop : 1))
        // `acuhook_jobs_finished_total{plugin, state, replay}`, made once per series by this worker.
        var finished: [String: Counter] = [:]
        while let (first, remaining) = queues.next(for: plugin, upTo: runner?.breakerState == .halfOpen ? 1 : most, fairShare: batch == nil) {
            var jobs = first
            if jobs.count < most, let wait = batch?.maxWait, wait > .zero, !Task.isShuttingDownGracefully {
                // Let the loop claim more while this batch fills.
                wakeup.signal()
                try? await Task.sleep(for: wait)
                jobs += queues.more(for: plugin, upTo: most - jobs.count)
            }
            // In receipt order, so one entity's events are in order within the call (a retried
            // job is claimed by its due time, possibly after a later event of its entity).
            if jobs.count > 1 { jobs.sort { $0.id < $1.id } }
            let ended = await call(jobs)
            completions.add(ended, of: jobs)
            for (job, completion) in zip(jobs, ended) {
                if let feed, feed.isFollowed, let attempt = completion.attempt { feed.publish(.job(Self.activity(job, completion, attempt))) }
                if let state = completion.disposition.finalState {
                    let key = "\(state)\(job.replay == nil ? "" : "+replay")"
                    let counter = finished[key] ?? Counter(
                        label: "acuhook_jobs_finished_total",
                        dimensions: [("plugin", plugin), ("state", state), ("replay", job.replay == nil ? "false" : "true")], factory: metricsFactory
                    )
                    finished[key] = counter
                    counter.increment()
                }
            }
            if remaining <= lowWater, remaining + jobs.count > lowWater { wakeup.signal() }
        }
    }

    /// A job's attempt as the activity feed shows it.
    static func activity(_ job: ClaimedJob, _ completion: JobCompletion, _ attempt: AttemptRecord) -> ActivityEvent.Attempt {
        let next: String
        switch completion.disposition {
        case .done(let skipped): next = skipped ? "skipped" : "done"
        case .retry: next = "retry"
        case .held: next = "held"
        case .dead: next = "dead"
        }
        return ActivityEvent.Attempt(
            atUnixMilliseconds: attempt.startedAtUnixMilliseconds + attempt.durationMilliseconds, plugin: job.plugin, jobID: job.id,
            deliveryRow: job.event.deliveryID, eventType: job.event.event.eventType, outcome: attempt.outcome, next: next,
            durationMilliseconds: attempt.durationMilliseconds
        )
    }

    /// Commits buffered outcomes, all that are waiting in one call, until closed and empty.
    private func flush(_ completions: CompletionBuffer) async {
        while let batch = await completions.next() {
            do {
                let refusals = try await store.complete(batch.map(\.0))
                if !refusals.isEmpty { report(refusals, batch) }
            } catch {
                logger.error(
                    "cannot commit job outcomes; those jobs run again when their lease expires",
                    metadata: ["acuhook.error": "\(error)", "acuhook.jobs": "\(batch.map { String($0.1.id) }.joined(separator: ","))"]
                )
            }
            // Committed outcomes can free ordering lanes: look for work.
            wakeup.signal()
        }
    }

    /// Counts refused derived events (`acuhook_derived_events_refused_total{plugin}`) and logs
    /// each received delivery's first refusal (one line per delivery, not per event).
    private func report(_ refusals: [DerivedEventRefusal], _ batch: [(JobCompletion, ClaimedJob)]) {
        let jobs = Dictionary(batch.map { ($0.1.id, $0.1) }, uniquingKeysWith: { first, _ in first })
        for refusal in refusals {
            guard let job = jobs[refusal.jobID] else { continue }
            Counter(label: "acuhook_derived_events_refused_total", dimensions: [("plugin", job.plugin)], factory: metricsFactory).increment(by: refusal.refused)
            if refusal.first {
                jobLogger(job).warning(
                    "derived events refused: the delivery's budget is spent",
                    metadata: [
                        "acuhook.delivery.row": "\(refusal.rootDelivery)", "acuhook.derived.refused": "\(refusal.refused)",
                        "acuhook.derived.budget": "\(configuration.maxDerivedEventsPerDelivery)",
                    ]
                )
            }
        }
    }

    private func now() -> Int64 { wallClock.nowUnixMilliseconds }

    private func jobLogger(_ job: ClaimedJob) -> Logger {
        var jobLogger = logger
        jobLogger[metadataKey: "acuhook.plugin"] = "\(job.plugin)"
        jobLogger[metadataKey: "acuhook.job"] = "\(job.id)"
        jobLogger[metadataKey: "acuhook.attempt"] = "\(job.attempt)"
        jobLogger[metadataKey: "acuhook.delivery.id"] = "\(job.event.idempotencyKey)"
        return jobLogger
    }

    /// Runs jobs of one plugin in one call of it (those its filter lets through) and decides how
    /// each ended, in order.
    func call(_ jobs: [ClaimedJob]) async -> [JobCompletion] {
        guard let plugin = jobs.first?.plugin else { return [] }
        guard let runner = host.runners[plugin] else {
            return jobs.map { job in
                jobLogger(job).warning("job's plugin is not loaded; holding the job")
                return JobCompletion(jobID: job.id, disposition: .held(untilUnixMilliseconds: now() + configuration.missingPluginHold.wholeMilliseconds), attempt: nil)
            }
        }
        // The plugin's own settings, reloaded with it.
        let own = host.settings(for: plugin)
        var completions = [JobCompletion?](repeating: nil, count: jobs.count)
        var calls: [PluginCall] = []
        var called: [Int] = []
        for (index, job) in jobs.enumerated() {
            let stored = job.event
            if let filter = own?.filter, !filter.matches(JSONValue.parse(stored.event.json) ?? .null) {
                let record = AttemptRecord(number: job.attempt, startedAtUnixMilliseconds: now(), durationMilliseconds: 0, outcome: .filtered, message: "filter: \(filter)")
                completions[index] = JobCompletion(jobID: job.id, disposition: .done(skipped: true), attempt: record)
                continue
            }
            let event = PluginEvent(
                eventType: stored.event.eventType,
                entityType: stored.event.entityType,
                entityId: stored.event.entityId,
                deliveryId: stored.idempotencyKey,
                tenant: stored.event.tenant,
                receivedAtUnixMilliseconds: stored.receivedAtUnixMilliseconds,
                json: stored.event.json,
                derivationDepth: stored.event.derivationDepth
            )
            calls.append(PluginCall(event, attempt: job.attempt))
            called.append(index)
        }
        if !calls.isEmpty {
            let started = now()
            let results = await runner.run(calls)
            for (index, result) in zip(called, results) {
                completions[index] = decide(jobs[index], result, startedAt: started, settings: own)
            }
        }
        return completions.map { $0! }
    }

    /// How a job ended, from its call's result.
    private func decide(_ job: ClaimedJob, _ result: PluginCallResult, startedAt started: Int64, settings own: PluginSettings?) -> JobCompletion {
        let stored = job.event
        let record = AttemptRecord(
            number: job.attempt,
            startedAtUnixMilliseconds: started,
            durationMilliseconds: result.duration.wholeMilliseconds,
            outcome: AttemptOutcome(result.outcome),
            message: result.message
        )
        switch result.outcome {
        case .ok:
            let receivesOwn = own?.receiveOwnEvents ?? false
            let derived = result.derived.map { derived in
                // Routed by the same policy as received events (ordering, debounce); a derived
                // event is ordered only where its plugin's settings say so, and never goes back
                // to the plugin that emitted it unless that plugin asks for its own events.
                var route = host.route(derived.eventType, orderedByDefault: false)
                if !receivesOwn {
                    route.plugins.removeAll { $0 == job.plugin }
                    route.ordered.remove(job.plugin)
                    route.debounceMilliseconds[job.plugin] = nil
                }
                return InboundEvent(
                    eventType: derived.eventType,
                    entityType: derived.entityType,
                    entityId: derived.entityId,
                    tenant: stored.event.tenant,
                    orderingKey: stored.event.orderingKey,
                    json: Self.derivedDocument(derived, parent: stored),
                    derivationDepth: derived.derivationDepth
                ).routed(route)
            }
            return JobCompletion(
                jobID: job.id, disposition: .done(skipped: false), attempt: record, derived: derived,
                derivedBudget: configuration.maxDerivedEventsPerDelivery
            )
        case .skipped:
            return JobCompletion(jobID: job.id, disposition: .done(skipped: true), attempt: record)
        case .rejected:
            jobLogger(job).warning("plugin rejected the event; dead-lettered", metadata: ["acuhook.message": "\(result.message ?? "")"])
            return JobCompletion(jobID: job.id, disposition: .dead(reason: .rejected), attempt: record)
        case .failed(.unavailable):
            // Nothing ran the call (a worker restarting, the call abandoned at shutdown): like an
            // open breaker, the job waits and no attempt is spent. At a graceful stop it is due at
            // once, so a restart does not delay it.
            jobLogger(job).info("plugin call not made; the job waits, no attempt spent", metadata: ["acuhook.message": "\(result.message ?? "")"])
            let hold = Task.isShuttingDownGracefully ? 0 : configuration.breakerHold.wholeMilliseconds
            return JobCompletion(jobID: job.id, disposition: .held(untilUnixMilliseconds: now() + hold), attempt: nil)
        case .retry, .failed:
            let policy = own?.retry ?? configuration.retry
            switch policy.decide(afterAttempt: job.attempt, previousDelay: job.previousDelayMilliseconds.map { .milliseconds($0) }, random: { Double.random(in: 0..<1) }) {
            case .retry(let delay):
                let ms = delay.wholeMilliseconds
                jobLogger(job).info("plugin call failed; will retry", metadata: ["acuhook.outcome": "\(record.outcome)", "acuhook.retry_in_ms": "\(ms)"])
                return JobCompletion(jobID: job.id, disposition: .retry(atUnixMilliseconds: now() + ms, delayMilliseconds: ms), attempt: record)
            case .giveUp:
                jobLogger(job).error("plugin call failed on its last attempt; dead-lettered", metadata: ["acuhook.outcome": "\(record.outcome)"])
                return JobCompletion(jobID: job.id, disposition: .dead(reason: .exhausted), attempt: record)
            }
        case .notAttempted:
            return JobCompletion(jobID: job.id, disposition: .held(untilUnixMilliseconds: now() + configuration.breakerHold.wholeMilliseconds), attempt: nil)
        }
    }

    /// A derived event in the event model: its own type and id, the plugin's data, and where it came from.
    static func derivedDocument(_ derived: DerivedEvent, parent: StoredEvent) -> [UInt8] {
        let data = String(decoding: derived.dataJSON, as: UTF8.self)
        let quoted = JSONText.quoted
        let document = """
            {"eventType":\(quoted(derived.eventType)),"entityType":\(quoted(derived.entityType)),"entityId":\(quoted(derived.entityId)),\
            "tenantId":\(quoted(parent.event.tenant)),"data":\(data),"metadata":{"source":"derived","parentEventId":\(parent.id),\
            "parentEventType":\(quoted(parent.event.eventType)),"derivationDepth":\(derived.derivationDepth)}}
            """
        return Array(document.utf8)
    }
}
