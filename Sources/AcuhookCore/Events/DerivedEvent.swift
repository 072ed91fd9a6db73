/// An event a plugin emitted while handling another (e.g. `SalesOrder.LargeOrder`).
public struct DerivedEvent: Sendable, Equatable {
    /// `Entity.Action`.
    public var eventType: String
    /// The entity type (defaults to the type's entity part).
    public var entityType: String
    /// The entity id (defaults to the parent's).
    public var entityId: String
    /// The derived event's `data`: a JSON object's bytes.
    public var dataJSON: [UInt8]
    /// The parent's depth + 1.
    public var derivationDepth: Int

    /// Creates a derived event.
    public init(eventType: String, entityType: String, entityId: String, dataJSON: [UInt8], derivationDepth: Int) {
        self.eventType = eventType
        self.entityType = entityType
        self.entityId = entityId
        self.dataJSON = dataJSON
        self.derivationDepth = derivationDepth
    }
}
