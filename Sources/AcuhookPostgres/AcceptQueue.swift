import AcuhookCore
import AcuhookStore
import Synchronization

/// Deliveries waiting to be written. The receiver's event loops add and return at once; the
/// store's writer takes everything waiting (up to a batch) and commits it in one statement,
/// so concurrent deliveries share round trips and commits.
final class AcceptQueue: Sendable {
    /// One delivery and who waits for it.
    struct Item: Sendable {
        let delivery: Delivery
        let retention: Duration
        let completion: @Sendable (Result<AcceptResult, StoreError>) -> Void
    }

    private struct State {
        var items: [Item] = []
        var waiters: [CheckedContinuation<[Item]?, Never>] = []
        var closed = false
    }

    /// Most deliveries one statement writes.
    static let maxBatch = 256
    private let state = Mutex(State())

    /// Queues `item`; fails it at once when the store is closed.
    func add(_ item: Item) {
        let handOff = state.withLock { state -> (CheckedContinuation<[Item]?, Never>, [Item])?? in
            guard !state.closed else { return .some(nil) }
            state.items.append(item)
            guard !state.waiters.isEmpty else { return nil }
            return .some((state.waiters.removeFirst(), Self.take(&state.items)))
        }
        switch handOff {
        case .some(.some((let waiter, let items))): waiter.resume(returning: items)
        case .some(.none): item.completion(.failure(StoreError(.unavailable, "the store is closed")))
        case .none: break
        }
    }

    /// Up to ``maxBatch`` waiting deliveries, waiting for at least one; nil once closed.
    func next() async -> [Item]? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Item]?? in
                if !state.items.isEmpty { return .some(Self.take(&state.items)) }
                if state.closed { return .some(nil) }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Up to ``maxBatch`` waiting deliveries without waiting; nil when none wait.
    func takeNow() -> [Item]? {
        state.withLock { state in state.items.isEmpty ? nil : Self.take(&state.items) }
    }

    /// Stops the writer once what is queued is written; later deliveries fail.
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            // Waiters exist only while nothing is queued.
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    private static func take(_ items: inout [Item]) -> [Item] {
        guard items.count > maxBatch else {
            defer { items = [] }
            return items
        }
        let batch = Array(items.prefix(maxBatch))
        items.removeFirst(maxBatch)
        return batch
    }
}
