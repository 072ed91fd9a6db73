import AcuhookPluginHost

/// ``AdminOperations`` over a running ``PluginHost``.
public struct PluginHostOperations<C: Clock>: AdminOperations where C.Duration == Duration {
    /// The host.
    public let host: PluginHost<C>

    /// Creates the operations.
    public init(host: PluginHost<C>) { self.host = host }

    /// Loaded plugins in priority order, then those that failed to load.
    public func plugins() async -> [PluginStatus] {
        let loaded = host.order.compactMap { name -> PluginStatus? in
            guard let runner = host.runners[name] else { return nil }
            let image = runner.image
            let s = runner.statistics
            return PluginStatus(
                name: image.name,
                version: image.version,
                abi: "\(image.abiMajor).\(image.abiMinor)",
                path: image.path,
                isolation: runner.isolation.rawValue,
                threadSafe: image.threadSafe,
                concurrency: runner.concurrency,
                timeoutMilliseconds: runner.timeout.components.seconds * 1000 + runner.timeout.components.attoseconds / 1_000_000_000_000_000,
                breaker: runner.breakerState,
                counters: .init(calls: s.calls, failures: s.failures, timeouts: s.timeouts, notAttempted: s.notAttempted, inFlight: s.inFlight, lost: s.lost),
                status: "loaded"
            )
        }
        let failed = host.failures.map { error in
            PluginStatus(
                name: "", version: "", abi: "", path: error.path, isolation: "", threadSafe: false, concurrency: 0,
                timeoutMilliseconds: 0, breaker: "", counters: .init(), status: "\(error.code.rawValue): \(error.message)"
            )
        }
        return loaded + failed
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
