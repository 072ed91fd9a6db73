/// How a source reads bodies.
public struct NormalizerSettings: Sendable, Equatable {
    /// The expected format; `auto` (default) detects it per delivery.
    public var format: SourceFormat = .auto
    /// Push-notification routes by `Query` name. Unlisted queries use ``PushRoute/fallback(query:columns:)``.
    public var pushRoutes: [String: PushRoute] = [:]
    /// Standard Webhooks: the dotted JSON path of the event type. Default `type`.
    public var eventTypeField: String = "type"
    /// Standard Webhooks: the dotted JSON path of the entity id. Default `data.id`.
    public var entityIdField: String = "data.id"

    /// The defaults.
    public init() {}
}
