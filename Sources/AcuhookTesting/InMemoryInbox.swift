import AcuhookCore
import AcuhookStore
import Synchronization

/// An ``Inbox`` in memory: same deduplication rules as the SQLite store, no durability. For
/// tests and benchmarks of the layers above the store.
public final class InMemoryInbox: Inbox {
    private struct State {
        var keys: [String: (deliveryID: Int64, expiresAt: Int64)] = [:]
        var events: [StoredEvent] = []
        var nextDelivery: Int64 = 1
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    /// Accepts unless the (source, key) pair is live; `completion` runs before this returns.
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        completion(.success(insert(delivery, retention: retention)))
    }

    private func insert(_ delivery: Delivery, retention: Duration) -> AcceptResult {
        state.withLock { state in
            let key = delivery.source + "\u{0}" + delivery.idempotencyKey
            if let live = state.keys[key], live.expiresAt >= delivery.receivedAtUnixMilliseconds {
                return .duplicate(deliveryID: live.deliveryID)
            }
            let id = state.nextDelivery
            state.nextDelivery += 1
            var ids: [Int64] = []
            for event in delivery.events {
                let eventID = Int64(state.events.count + 1)
                ids.append(eventID)
                state.events.append(
                    StoredEvent(
                        id: eventID, deliveryID: id, source: delivery.source, event: event,
                        receivedAtUnixMilliseconds: delivery.receivedAtUnixMilliseconds, idempotencyKey: delivery.idempotencyKey
                    )
                )
            }
            state.keys[key] = (id, delivery.receivedAtUnixMilliseconds + retention.wholeMilliseconds)
            return .accepted(deliveryID: id, eventIDs: ids)
        }
    }

    /// Always writable.
    public func checkWritable() async throws(StoreError) {}

    /// Drops up to `limit` expired keys.
    public func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int {
        state.withLock { state in
            let expired = state.keys.filter { $0.value.expiresAt < nowUnixMilliseconds }.prefix(limit).map(\.key)
            for key in expired { state.keys[key] = nil }
            return expired.count
        }
    }

    /// Nothing to remove: the in-memory inbox keeps no jobs, and tests read what it received.
    public func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int { 0 }

    /// No file, no pages.
    public func reclaimFreePages(limit: Int) async throws(StoreError) -> Int { 0 }

    /// Events after `afterID`.
    public func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        state.withLock { state in Array(state.events.filter { $0.id > afterID }.prefix(limit)) }
    }
}
