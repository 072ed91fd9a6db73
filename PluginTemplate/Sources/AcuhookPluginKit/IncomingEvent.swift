import AcuhookJSON
import CAcuhookPlugin

/// One event handed to ``AcuhookHandler/handle(_:)``: a view over host memory.
///
/// - Important: Borrowed: valid only during `handle`. The `String`/`[UInt8]` accessors copy.
public struct IncomingEvent {
    let raw: UnsafePointer<acuhook_event>
    let api: UnsafePointer<acuhook_host_api>

    /// `Entity.Action`, e.g. `Customer.Updated`.
    public var eventType: String { String(raw.pointee.event_type) }
    /// The entity type, e.g. `Customer`.
    public var entityType: String { String(raw.pointee.entity_type) }
    /// The entity id, e.g. `CUST001`.
    public var entityId: String { String(raw.pointee.entity_id) }
    /// The delivery's idempotency key.
    public var deliveryId: String { String(raw.pointee.delivery_id) }
    /// The tenant (company).
    public var tenant: String { String(raw.pointee.tenant) }
    /// Which attempt this is, from 1.
    public var attempt: Int { Int(raw.pointee.attempt) }
    /// Receipt time, milliseconds since the Unix epoch.
    public var receivedAtUnixMilliseconds: Int64 { raw.pointee.received_at_unix_ms }
    /// The normalised event JSON, borrowed (no copy).
    public var json: UnsafeRawBufferPointer { UnsafeRawBufferPointer(raw.pointee.json) }
    /// The normalised event JSON, copied.
    public var jsonBytes: [UInt8] { Array(json) }

    /// The event's value at `path`, read from ``json`` without parsing the rest:
    /// `event["data.CustomerID"]` (Acumatica's `{"value": …}` unwrapped), `event["entityId"]`,
    /// `event["data.Details.0.InventoryID"]`. Nil when there is none. Borrowed like the event.
    public subscript(_ path: String) -> JSONField? { JSONField.find(path, in: json) }

    /// Asks the host to store and route a derived event after this call returns OK.
    /// - Parameters:
    ///   - type: `Entity.Action`.
    ///   - entityId: Defaults to this event's entity id.
    ///   - dataJSON: A JSON object, the derived event's `data`.
    @discardableResult
    public func emit(type: String, entityId: String? = nil, dataJSON: String = "{}") -> EmitStatus {
        var type = type
        var entityId = entityId ?? ""
        var dataJSON = dataJSON
        return type.withUTF8 { typeBytes in
            entityId.withUTF8 { idBytes in
                dataJSON.withUTF8 { dataBytes in
                    var derived = acuhook_derived_event(
                        size: UInt32(MemoryLayout<acuhook_derived_event>.size),
                        event_type: acuhook_str(typeBytes),
                        entity_type: acuhook_str(ptr: nil, len: 0),
                        entity_id: acuhook_str(idBytes),
                        data_json: acuhook_str(dataBytes)
                    )
                    let status = api.pointee.emit(raw.pointee.call, &derived)
                    return EmitStatus(rawValue: status.rawValue) ?? .invalid
                }
            }
        }
    }
}

/// What the host said to ``IncomingEvent/emit(type:entityId:dataJSON:)``.
public enum EmitStatus: UInt32, Sendable {
    /// Accepted.
    case ok = 0
    /// Malformed derived event.
    case invalid
    /// Refused (per-call limit or derivation depth reached).
    case refused
    /// Not inside a call.
    case noCall
}

extension acuhook_str {
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.init(ptr: UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), len: bytes.count)
    }
}

extension UnsafeRawBufferPointer {
    init(_ text: acuhook_str) {
        self.init(start: text.ptr, count: text.ptr == nil ? 0 : text.len)
    }
}

extension String {
    init(_ text: acuhook_str) {
        self.init(decoding: UnsafeRawBufferPointer(text), as: UTF8.self)
    }
}
