import AcuhookCore
import AcuhookPluginHost
import AcuhookStore
import Foundation

/// ``AdminOperations`` over a running ``PluginHost`` and its store: overrides are written to the
/// store (so they survive restarts) and applied to the host at once.
public struct PluginHostOperations<C: Clock>: AdminOperations where C.Duration == Duration {
    /// The host.
    public let host: PluginHost<C>
    /// Where overrides are kept.
    public let store: any EventStore
    private let reloader: (@Sendable () async -> PluginReloadReport)?
    private let wallClock: any WallClock
    private let otherProblems: @Sendable () -> [(file: String, message: String)]

    /// Creates the operations; `reload` reads the configuration again and reloads the host
    /// (nil: reload is not offered). `problems` lists plugin files that never reached the host
    /// (a plugins-folder file whose sidecar is not usable), shown with the failed plugins.
    public init(
        host: PluginHost<C>,
        store: any EventStore,
        wallClock: any WallClock = SystemWallClock(),
        reload: (@Sendable () async -> PluginReloadReport)? = nil,
        problems: @escaping @Sendable () -> [(file: String, message: String)] = { [] }
    ) {
        self.host = host
        self.wallClock = wallClock
        self.store = store
        self.reloader = reload
        self.otherProblems = problems
    }

    /// Reloads the configuration's plugins.
    public func reload() async -> PluginReloadReport {
        guard let reloader else { return PluginReloadReport(applied: false, errors: ["reload is not available"]) }
        return await reloader()
    }

    /// Holds, disables or resets the plugin's breaker.
    public func controlBreaker(plugin: String, action: BreakerAction) async throws -> Bool {
        guard let runner = host.runners[plugin] else { return false }
        switch action {
        case .open: try await store.setOverride(.breaker(plugin: plugin, state: .open), nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
        case .disable: try await store.setOverride(.breaker(plugin: plugin, state: .disabled), nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
        case .reset:
            try await store.resetBreaker(plugin: plugin, nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
            // Also a breaker opened by failures, not by an override (apply sees the request).
            _ = runner
        }
        host.apply(try await store.overrides().overrides)
        return true
    }

    /// Enables or disables a pattern for the plugin.
    public func setRoute(plugin: String, pattern: String, enabled: Bool) async throws -> Bool {
        guard host.runners[plugin] != nil else { return false }
        _ = try EventPattern(parsing: pattern)
        try await store.setOverride(.route(plugin: plugin, pattern: pattern, enabled: enabled), nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
        host.apply(try await store.overrides().overrides)
        return true
    }

    /// Removes the plugin's route overrides.
    public func clearRoutes(plugin: String) async throws -> Bool {
        guard host.runners[plugin] != nil else { return false }
        try await store.removeRouteOverrides(plugin: plugin, pattern: nil)
        host.apply(try await store.overrides().overrides)
        return true
    }

    /// The backfill's selection, by the plugin host's current routes.
    public func replaySelection(_ request: ReplayRequest) async throws -> ReplaySelection? {
        let plugin = request.plugin
        guard host.runners[plugin] != nil else { return nil }
        return try await request.selection(
            store: store, receives: { [host] in host.route($0, orderedByDefault: false).plugins.contains(plugin) }, ordered: host.settings(for: plugin)?.ordered,
            nowUnixMilliseconds: wallClock.nowUnixMilliseconds
        )
    }

    /// Loaded plugins in priority order, then those that failed to load.
    public func plugins() async -> [PluginStatus] {
        let rated = host.order.contains { host.settings(for: $0)?.rate != nil }
        let due = rated ? (try? await store.queueSummary().dueByPlugin) ?? [:] : [:]
        let loaded = host.order.compactMap { name -> PluginStatus? in
            guard let runner = host.runners[name] else { return nil }
            let image = runner.image
            let s = runner.statistics
            var status = PluginStatus(
                name: image.name,
                version: image.version,
                abi: "\(image.abiMajor).\(image.abiMinor)",
                path: host.settings(for: name)?.path ?? image.path,  // as configured, not a private copy
                isolation: runner.isolation.rawValue,
                threadSafe: image.threadSafe,
                concurrency: runner.concurrency,
                timeoutMilliseconds: runner.timeout.wholeMilliseconds,
                breaker: runner.breakerState.rawValue,
                counters: {
                    var counters = PluginStatus.Counters(calls: s.calls, failures: s.failures, timeouts: s.timeouts, notAttempted: s.notAttempted, inFlight: s.inFlight, lost: s.lost)
                    counters.restarts = s.restarts
                    return counters
                }(),
                status: "loaded"
            )
            status.latencyP50Milliseconds = runner.metrics.latency(percentile: 0.5).map { $0.inSeconds * 1000 }
            status.latencyP99Milliseconds = runner.metrics.latency(percentile: 0.99).map { $0.inSeconds * 1000 }
            status.transitions = runner.metrics.recentTransitions.map {
                PluginStatus.Transition(at: $0.atUnixMilliseconds, from: $0.from.rawValue, to: $0.to.rawValue, reason: $0.reason)
            }
            let settings = host.settings(for: name)
            status.handlesBatches = image.handlesBatches
            status.batch = settings?.batch.map { "\($0.maxEvents) events or \(DurationText.format($0.maxWait))" }
            status.rate = settings?.rate?.description
            status.waitingForRate = settings?.rate == nil ? 0 : due[name] ?? 0
            return status
        }
        let failed = host.failures.map { error in
            PluginStatus(
                name: "", version: "", abi: "", path: error.path, isolation: "", threadSafe: false, concurrency: 0,
                timeoutMilliseconds: 0, breaker: "", counters: .init(), status: "\(error.code.rawValue): \(error.message)"
            )
        }
        let unusable = otherProblems().map { problem in
            PluginStatus(
                name: "", version: "", abi: "", path: problem.file, isolation: "", threadSafe: false, concurrency: 0,
                timeoutMilliseconds: 0, breaker: "", counters: .init(), status: "invalid_settings: \(problem.message)"
            )
        }
        return loaded + failed + unusable
    }

    /// The routing table.
    public func routes() async -> [RouteStatus] {
        host.router.entries.map { entry in
            RouteStatus(
                plugin: entry.plugin,
                events: entry.events.map(\.description),
                disabledEvents: entry.disabledEvents.map(\.description),
                origin: entry.origin.rawValue
            )
        }
    }
}
