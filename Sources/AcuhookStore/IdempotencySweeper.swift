import Foundation
import Logging
import ServiceLifecycle

/// Deletes expired idempotency keys on a schedule; a swift-service-lifecycle `Service`.
public struct IdempotencySweeper: Service {
    private let store: any EventStore
    private let interval: Duration
    private let logger: Logger

    /// Sweeps `store` every `interval` (default 10 minutes).
    public init(store: any EventStore, interval: Duration = .seconds(600), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let removed = try await store.expireIdempotencyKeys(nowUnixMilliseconds: now)
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
