import AcuhookCore
import Logging
import ServiceLifecycle

/// How a sweep shares the store's writer with receiving: many short transactions, each followed
/// by a pause as long as the step took (and at least ``minimumPause``), so the sweep holds the
/// writer at most half the time, a delivery's commit never waits behind more than one small
/// step, and the sweep still keeps up with any rate the writer can take.
public struct SweepPacing: Sendable, Equatable {
    /// Deliveries, or idempotency keys, deleted per transaction. Default 100.
    public var batchSize: Int
    /// Free pages given back to the file system per transaction. Default 256 (1 MiB of 4 KiB pages).
    public var pagesPerStep: Int
    /// Shortest pause after a step. Default 2 ms.
    public var minimumPause: Duration

    /// Creates a pacing.
    public init(batchSize: Int = 100, pagesPerStep: Int = 256, minimumPause: Duration = .milliseconds(2)) {
        self.batchSize = max(1, batchSize)
        self.pagesPerStep = max(1, pagesPerStep)
        self.minimumPause = minimumPause
    }

    /// The pause after a step that took `step`.
    public func pause(after step: Duration) -> Duration { max(step, minimumPause) }
}

/// Keeps the store from growing forever, on a schedule: deletes expired idempotency keys and
/// finished deliveries older than the retention (see
/// ``Inbox/removeFinishedDeliveries(receivedBefore:limit:)``), then gives the freed pages back to
/// the file system, each in small paced steps (``SweepPacing``). A swift-service-lifecycle `Service`.
public struct StoreSweeper: Service {
    private let store: any Inbox
    private let interval: Duration
    private let retention: Duration
    private let pacing: SweepPacing
    private let wallClock: any WallClock
    private let logger: Logger

    /// Sweeps `store` every `interval` (default 10 minutes), removing finished deliveries older
    /// than `retention` (default 7 days).
    public init(
        store: any Inbox,
        interval: Duration = .seconds(600),
        retention: Duration = .seconds(7 * 86_400),
        pacing: SweepPacing = SweepPacing(),
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.store = store
        self.interval = interval
        self.retention = retention
        self.pacing = pacing
        self.wallClock = wallClock
        self.logger = logger
    }

    /// What one sweep removed.
    public struct Sweep: Sendable, Equatable {
        /// Expired idempotency keys deleted.
        public var keys = 0
        /// Finished deliveries past the retention deleted, with their events, jobs and attempts.
        public var deliveries = 0
        /// Free pages given back to the file system.
        public var pages = 0
    }

    /// Sweeps once: expired keys, finished deliveries past the retention, then free pages. Stops
    /// between two steps at graceful shutdown; a failed step is logged and the next sweep retries.
    @discardableResult
    public func sweep() async -> Sweep {
        let now = wallClock.nowUnixMilliseconds
        var result = Sweep()
        result.keys = await steps("idempotency key sweep failed; will retry", limit: pacing.batchSize) { limit throws(StoreError) in
            try await store.expireIdempotencyKeys(nowUnixMilliseconds: now, limit: limit)
        }
        if result.keys > 0 { logger.info("expired idempotency keys removed", metadata: ["acuhook.store.removed": "\(result.keys)"]) }
        result.deliveries = await steps("retention sweep failed; will retry", limit: pacing.batchSize) { limit throws(StoreError) in
            try await store.removeFinishedDeliveries(receivedBefore: now - retention.wholeMilliseconds, limit: limit)
        }
        if result.deliveries > 0 {
            logger.info("finished deliveries past the retention removed", metadata: ["acuhook.store.removed": "\(result.deliveries)"])
        }
        result.pages = await steps("reclaiming free pages failed; will retry", limit: pacing.pagesPerStep) { limit throws(StoreError) in
            try await store.reclaimFreePages(limit: limit)
        }
        return result
    }

    /// Runs `step` with `limit` until it does less than `limit`, pausing between steps; returns
    /// the total done.
    private func steps(_ failure: String, limit: Int, _ step: (Int) async throws(StoreError) -> Int) async -> Int {
        var total = 0
        let clock = ContinuousClock()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let done: Int
            let started = clock.now
            do {
                done = try await step(limit)
            } catch {
                logger.warning("\(failure)", metadata: ["acuhook.error": "\(error)", "acuhook.store.removed": "\(total)"])
                break
            }
            total += done
            guard done >= limit else { break }
            try? await Task.sleep(for: pacing.pause(after: clock.now - started))
        }
        return total
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sweep()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
