import AcuhookCore

/// How values are written into the store's columns, the same for every store, so a store copied
/// from one to another reads back the same.
public enum StoredForm {
    /// The text jobs of one ordering lane are sorted by: the event's ordering key (`TimeStamp`
    /// ticks, or the guide event's ISO 8601 `timestamp`), digits left-padded to 20 so they
    /// compare as numbers.
    public static func laneOrder(_ orderingKey: String) -> String {
        guard !orderingKey.isEmpty, orderingKey.count <= 20, orderingKey.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return orderingKey }
        return String(repeating: "0", count: 20 - orderingKey.count) + orderingKey
    }

    /// A plugin's lane for an entity (ordering and debounce key): plugin, tenant, entity type
    /// and id, joined by U+001F.
    public static func entityLane(plugin: String, event: InboundEvent) -> String {
        entityLane(plugin: plugin, tenant: event.tenant, entityType: event.entityType, entityId: event.entityId)
    }

    /// A plugin's lane for the entity of a stored event.
    public static func entityLane(plugin: String, tenant: String, entityType: String, entityId: String) -> String {
        "\(plugin)\u{1F}\(tenant)\u{1F}\(entityType)\u{1F}\(entityId)"
    }

    /// Kept headers as HTTP-style lines (`name: value`, CRLF-separated; HTTP field values
    /// cannot contain line breaks).
    public static func headersText(_ headers: [Delivery.HeaderField]) -> String {
        var text = ""
        for header in headers {
            text += header.name
            text += ": "
            text += header.value
            text += "\r\n"
        }
        return text
    }

    /// The headers ``headersText(_:)`` wrote.
    public static func headers(_ text: String) -> [(name: String, value: String)] {
        text.components(separatedBy: "\r\n").compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst()))
        }
    }
}
