import AcuhookCore

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
