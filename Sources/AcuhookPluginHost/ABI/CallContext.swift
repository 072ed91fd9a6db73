import AcuhookCore
import CAcuhookPlugin
import Foundation

/// What an `acuhook_call *` points at: one `handle` call in progress, collecting derived events.
///
/// Lives on the calling thread's stack for the duration of `handle` (no allocation per call);
/// the ABI allows `emit` only from inside `handle`, on its thread.
struct CallContext {
    private let parent: PluginEvent
    private let depth: Int
    private let maxDepth: Int
    private let maxEvents: Int
    private(set) var derived: [DerivedEvent] = []

    init(parent: PluginEvent, maxDepth: Int, maxEvents: Int) {
        self.parent = parent
        self.depth = parent.derivationDepth + 1
        self.maxDepth = maxDepth
        self.maxEvents = maxEvents
    }

    mutating func emit(_ event: acuhook_derived_event) -> acuhook_emit_status {
        guard depth <= maxDepth, derived.count < maxEvents else { return ACUHOOK_EMIT_REFUSED }
        let type = String(decoding: UnsafeRawBufferPointer(event.event_type), as: UTF8.self)
        guard EventTypeName.isValid(type) else { return ACUHOOK_EMIT_INVALID }
        var data = Array(UnsafeRawBufferPointer(event.data_json))
        if data.isEmpty { data = Array("{}".utf8) }
        guard (try? JSONSerialization.jsonObject(with: Data(data))) is [String: Any] else {
            return ACUHOOK_EMIT_INVALID
        }
        let entityType = String(decoding: UnsafeRawBufferPointer(event.entity_type), as: UTF8.self)
        let entityId = String(decoding: UnsafeRawBufferPointer(event.entity_id), as: UTF8.self)
        derived.append(
            DerivedEvent(
                eventType: type,
                entityType: entityType.isEmpty ? String(EventTypeName.entity(of: type)) : entityType,
                entityId: entityId.isEmpty ? parent.entityId : entityId,
                dataJSON: data,
                derivationDepth: depth
            )
        )
        return ACUHOOK_EMIT_OK
    }
}
