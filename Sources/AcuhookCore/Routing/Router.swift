import Synchronization

/// Maps an event type to the ordered list of plugins that receive it.
///
/// Built once from the route entries (order = configuration order). A look-up consults a
/// ``PatternIndex`` — one dictionary probe per dot in the event type, never a scan over all
/// patterns — and the answer is cached per event type (the cache is bounded; an overflowing cache
/// is cleared, never grown without limit by senders inventing event types).
public final class Router: Sendable {
    /// The entries, in priority order.
    public let entries: [RouteEntry]
    private let included: PatternIndex
    private let excluded: PatternIndex
    private let cache = Mutex<[String: [String]]>([:])
    private let cacheLimit: Int

    /// Compiles the routing table.
    /// - Parameters:
    ///   - entries: One entry per enabled plugin, in the order plugins should be called.
    ///   - cacheLimit: Most distinct event types remembered (default 4096).
    public init(entries: [RouteEntry], cacheLimit: Int = 4096) {
        self.entries = entries
        self.cacheLimit = cacheLimit
        var included = PatternIndex()
        var excluded = PatternIndex()
        for (owner, entry) in entries.enumerated() {
            for pattern in entry.events { included.insert(pattern, owner: owner) }
            for pattern in entry.disabledEvents { excluded.insert(pattern, owner: owner) }
        }
        self.included = included
        self.excluded = excluded
    }

    /// The names of the plugins that receive `eventType`, in priority order.
    public func plugins(for eventType: String) -> [String] {
        if let cached = cache.withLock({ $0[eventType] }) { return cached }
        let resolved = resolve(eventType)
        cache.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[eventType] = resolved
        }
        return resolved
    }

    private func resolve(_ eventType: String) -> [String] {
        var wanted = [Bool](repeating: false, count: entries.count)
        var unwanted = wanted
        included.mark(eventType, into: &wanted)
        excluded.mark(eventType, into: &unwanted)
        return entries.indices.compactMap { wanted[$0] && !unwanted[$0] ? entries[$0].plugin : nil }
    }
}
