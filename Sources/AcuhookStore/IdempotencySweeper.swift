import AcuhookCore
import Logging
import ServiceLifecycle

/// Deletes expired idempotency keys on a schedule; a swift-service-lifecycle `Service`.
public struct IdempotencySweeper: Service {
    private let store: any Inbox
    private let interval: Duration
    private let wallClock: any WallClock
    private let logger: Logger

    /// Sweeps `store` every `interval` (default 10 minutes).
    public init(store: any Inbox, interval: Duration = .seconds(600), wallClock: any WallClock = SystemWallClock(), logger: Logger) {
        self.store = store
        self.interval = interval
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let removed = try await store.expireIdempotencyKeys(nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
                if removed > 0 { logger.info("expired idempotency keys removed", metadata: ["acuhook.store.removed": "\(removed)"]) }
            } catch {
                logger.warning("idempotency key sweep failed; will retry", metadata: ["acuhook.error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
