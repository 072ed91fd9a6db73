import AcuhookCore

/// The durable inbox: deliveries, their events and idempotency keys.
///
/// Shaped for more than one backend: SQLite for one machine (``SQLiteEventStore``) and PostgreSQL
/// for several (unique keys and claims with a lease), behind the same calls.
public protocol EventStore: Sendable {
    /// Commits `delivery` — raw body, kept headers, every event and its idempotency key — in one
    /// transaction, unless a live delivery with the same (source, key) exists.
    /// Returns only after the commit is durable.
    /// - Throws: ``StoreError`` when nothing could be committed (answer 503: the sender retries).
    func accept(_ delivery: Delivery, keepKeyFor retention: Duration) async throws(StoreError) -> AcceptResult

    /// The same commit for callers that cannot wait (an event loop): `completion` runs once,
    /// on a thread of the store's choosing, after the commit is durable or has failed. The
    /// default implementation runs ``accept(_:keepKeyFor:)`` in a task.
    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void)

    /// Checks that the store can take a write now (for `/ready`).
    func checkWritable() async throws(StoreError)

    /// Deletes idempotency keys that expired before `nowUnixMilliseconds`; returns how many.
    func expireIdempotencyKeys(nowUnixMilliseconds: Int64) async throws(StoreError) -> Int

    /// Stored events with an id above `afterID`, oldest first (the dispatcher's feed).
    func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent]
}

extension EventStore {
    /// Runs ``accept(_:keepKeyFor:)`` in a task and hands its result to `completion`.
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        Task {
            do throws(StoreError) {
                completion(.success(try await accept(delivery, keepKeyFor: retention)))
            } catch {
                completion(.failure(error))
            }
        }
    }
}

/// What ``EventStore/accept(_:keepKeyFor:)`` did.
public enum AcceptResult: Sendable, Equatable {
    /// Stored as a new delivery with these event ids.
    case accepted(deliveryID: Int64, eventIDs: [Int64])
    /// A delivery with the same key is already stored; nothing new was written.
    case duplicate(deliveryID: Int64)
}

/// One event as stored.
public struct StoredEvent: Sendable, Equatable {
    /// Its id (increasing in commit order).
    public var id: Int64
    /// The delivery it came from.
    public var deliveryID: Int64
    /// The source it arrived at.
    public var source: String
    /// The event.
    public var event: InboundEvent
    /// Receipt time, milliseconds since the Unix epoch.
    public var receivedAtUnixMilliseconds: Int64
    /// The delivery's idempotency key.
    public var idempotencyKey: String

    /// Creates a stored event.
    public init(id: Int64, deliveryID: Int64, source: String, event: InboundEvent, receivedAtUnixMilliseconds: Int64, idempotencyKey: String) {
        self.id = id
        self.deliveryID = deliveryID
        self.source = source
        self.event = event
        self.receivedAtUnixMilliseconds = receivedAtUnixMilliseconds
        self.idempotencyKey = idempotencyKey
    }
}

/// The store could not do what was asked. Nothing was half-written.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// Kinds of failure.
    public enum Code: String, Sendable {
        /// Cannot open, read or write the database (disk full, read-only, locked too long…).
        case unavailable
        /// The database file is not usable (wrong schema, corrupt).
        case invalid
    }

    /// Which kind.
    public var code: Code
    /// What happened.
    public var message: String
    /// The underlying error.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// "message: underlying".
    public var description: String { underlying.map { "\(message): \($0)" } ?? message }
}
