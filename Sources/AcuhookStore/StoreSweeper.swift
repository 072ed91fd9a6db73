import AcuhookCore
import Logging
import ServiceLifecycle

/// Keeps the store from growing forever, on a schedule: deletes expired idempotency keys and
/// finished deliveries older than the retention (see ``Inbox/removeFinishedDeliveries(receivedBefore:batchSize:)``).
/// A swift-service-lifecycle `Service`.
public struct StoreSweeper: Service {
    private let store: any Inbox
    private let interval: Duration
    private let retention: Duration
    private let batchSize: Int
    private let wallClock: any WallClock
    private let logger: Logger

    /// Sweeps `store` every `interval` (default 10 minutes), removing finished deliveries older
    /// than `retention` (default 7 days) `batchSize` at a time.
    public init(
        store: any Inbox,
        interval: Duration = .seconds(600),
        retention: Duration = .seconds(7 * 86_400),
        batchSize: Int = 500,
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.store = store
        self.interval = interval
        self.retention = retention
        self.batchSize = batchSize
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Sweeps once: expired keys, then finished deliveries past the retention.
    public func sweep() async {
        let now = wallClock.nowUnixMilliseconds
        do {
            let removed = try await store.expireIdempotencyKeys(nowUnixMilliseconds: now)
            if removed > 0 { logger.info("expired idempotency keys removed", metadata: ["acuhook.store.removed": "\(removed)"]) }
        } catch {
            logger.warning("idempotency key sweep failed; will retry", metadata: ["acuhook.error": "\(error)"])
        }
        do {
            let removed = try await store.removeFinishedDeliveries(receivedBefore: now - retention.wholeMilliseconds, batchSize: batchSize)
            if removed > 0 { logger.info("finished deliveries past the retention removed", metadata: ["acuhook.store.removed": "\(removed)"]) }
        } catch {
            logger.warning("retention sweep failed; will retry", metadata: ["acuhook.error": "\(error)"])
        }
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
