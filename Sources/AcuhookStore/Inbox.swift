import AcuhookCore

/// The durable inbox: deliveries, their events (each with its jobs) and idempotency keys.
public protocol Inbox: Sendable {
    /// Commits `delivery` — raw body, kept headers, every event with one job per routed plugin,
    /// and its idempotency key — in one transaction, unless a live delivery with the same
    /// (source, key) exists. `completion` runs once, on a thread of the store's choosing, after
    /// the commit is durable or has failed.
    ///
    /// - Important: Never blocks: event loops call it, and hop back to their loop in `completion`.
    ///   A ``StoreError`` means nothing was committed (answer 503: the sender retries).
    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void)

    /// Checks that the store can take a write now (for `/ready`).
    func checkWritable() async throws(StoreError)

    /// Deletes at most `limit` idempotency keys that expired before `nowUnixMilliseconds`, in one
    /// short transaction; returns how many. ``StoreSweeper`` calls it until fewer come back.
    func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int
    /// Deletes at most `limit` deliveries received before `cutoff` (ms since the Unix epoch) whose
    /// every job is finished (done, skipped or superseded), with their events, jobs and attempts,
    /// in one short transaction: anything with a pending, running or dead-lettered job stays.
    /// Returns how many went.
    func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int
    /// Gives at most `limit` free pages back to the file system, in one short transaction;
    /// returns how many. Stores that reuse free space by themselves return 0.
    func reclaimFreePages(limit: Int) async throws(StoreError) -> Int

    /// Stored events with an id above `afterID`, oldest first.
    func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent]
}

/// What ``Inbox/accept(_:keepKeyFor:completion:)`` did.
public enum AcceptResult: Sendable, Equatable {
    /// Stored as a new delivery with these event ids.
    case accepted(deliveryID: Int64, eventIDs: [Int64])
    /// A delivery with the same key is already stored; nothing new was written.
    case duplicate(deliveryID: Int64)
}
