/// One event as handed to a plugin: the fields the C ABI carries.
///
/// The text fields and the JSON are packed into one contiguous buffer when the event is made, so
/// handing it across the ABI costs pointer arithmetic, not a copy per field.
public struct PluginEvent: Sendable {
    /// Where each field sits in ``storage``.
    public struct Layout: Sendable {
        /// Byte ranges of event type, entity type, entity id, delivery id, tenant and JSON.
        public let eventType, entityType, entityId, deliveryId, tenant, json: Range<Int>
    }

    /// The packed bytes of every text field followed by the JSON.
    public let storage: [UInt8]
    /// Field offsets into ``storage``.
    public let layout: Layout
    /// Receipt time in milliseconds since the Unix epoch.
    public let receivedAtUnixMilliseconds: Int64
    /// How many derivations led to this event (0 for a received event). Bounds plugin loops.
    public let derivationDepth: Int

    /// Packs an event.
    /// - Parameters:
    ///   - json: The whole normalised event as a JSON object's bytes.
    public init(
        eventType: String,
        entityType: String = "",
        entityId: String = "",
        deliveryId: String = "",
        tenant: String = "",
        receivedAtUnixMilliseconds: Int64 = 0,
        json: [UInt8],
        derivationDepth: Int = 0
    ) {
        var storage: [UInt8] = []
        storage.reserveCapacity(
            eventType.utf8.count + entityType.utf8.count + entityId.utf8.count
                + deliveryId.utf8.count + tenant.utf8.count + json.count
        )
        func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Range<Int> {
            let start = storage.count
            storage.append(contentsOf: bytes)
            return start..<storage.count
        }
        layout = Layout(
            eventType: append(eventType.utf8),
            entityType: append(entityType.utf8),
            entityId: append(entityId.utf8),
            deliveryId: append(deliveryId.utf8),
            tenant: append(tenant.utf8),
            json: append(json)
        )
        self.storage = storage
        self.receivedAtUnixMilliseconds = receivedAtUnixMilliseconds
        self.derivationDepth = derivationDepth
    }

    private func text(_ range: Range<Int>) -> String { String(decoding: storage[range], as: UTF8.self) }

    /// `Entity.Action`.
    public var eventType: String { text(layout.eventType) }
    /// The entity type.
    public var entityType: String { text(layout.entityType) }
    /// The entity id.
    public var entityId: String { text(layout.entityId) }
    /// The delivery's idempotency key.
    public var deliveryId: String { text(layout.deliveryId) }
    /// The tenant.
    public var tenant: String { text(layout.tenant) }
    /// The normalised event JSON.
    public var json: ArraySlice<UInt8> { storage[layout.json] }
}
