import AcuhookCore
import AcuhookPluginHost
import AcuhookStore
import Logging
import ServiceLifecycle

/// Applies runtime overrides changed by another process (the CLI writes them to the store):
/// polls the store's overrides version and, when it moves, applies the whole set to the host.
public struct OverrideWatcher<C: Clock>: Service where C.Duration == Duration {
    private let store: any OverrideStore
    private let host: PluginHost<C>
    private let interval: Duration
    private let logger: Logger

    /// Creates the watcher; `interval` is how often the version is read (default 1 s).
    public init(store: any OverrideStore, host: PluginHost<C>, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.host = host
        self.interval = interval
        self.logger = logger
    }

    /// Reads and applies the overrides now; returns their version.
    @discardableResult
    public static func applyNow(store: any OverrideStore, host: PluginHost<C>) async throws(StoreError) -> Int64 {
        let (version, overrides) = try await store.overrides()
        host.apply(overrides)
        return version
    }

    /// Polls until graceful shutdown.
    public func run() async throws {
        var applied: Int64 = -1
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let version = try await store.overridesVersion()
                if version != applied { applied = try await Self.applyNow(store: store, host: host) }
            } catch {
                logger.warning("cannot read runtime overrides; will retry", metadata: ["acuhook.error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
