import AcuhookCore
import Crypto
import AcuhookJSON

/// Turns one delivery's body into events of the one event model, and finds its idempotency key.
///
/// Pure: no I/O, no clock. Verification has already run on the exact bytes; the guide format's
/// events keep those bytes verbatim as their JSON.
public struct DeliveryNormalizer: Sendable {
    /// How bodies are read.
    public let configuration: NormalizerSettings

    /// Creates a normaliser.
    public init(configuration: NormalizerSettings = NormalizerSettings()) {
        self.configuration = configuration
    }

    /// Normalises `body`.
    /// - Throws: ``NormalizationError`` with the status to answer (400 or 422).
    public func normalize(body: [UInt8], headers: DeliveryHeaders) throws(NormalizationError) -> NormalizedDelivery {
        guard Self.isASCII(body) || String(validating: body, as: UTF8.self) != nil else {
            throw NormalizationError(.invalidUTF8, "body is not valid UTF-8")
        }
        // The guide format (the common case) needs only a few top-level fields: validate the whole
        // body, build just those. Other formats need the whole tree.
        let wantsTree = configuration.format == .pushNotification || configuration.format == .standardWebhooks
        var object: [String: JSONValue]
        do {
            if wantsTree {
                guard case .object(let whole) = try JSONParser.parse(body) else {
                    throw NormalizationError(.unknownFormat, "body must be a JSON object")
                }
                object = whole
            } else {
                guard let parsed = try JSONParser.parseObject(body, keeping: Self.guideFields) else {
                    throw NormalizationError(.unknownFormat, "body must be a JSON object")
                }
                object = parsed
            }
        } catch let failure as JSONParser.Failure {
            throw NormalizationError(.malformedJSON, "body is not valid JSON (\(failure.reason) at byte \(failure.offset))")
        } catch let error as NormalizationError {
            throw error
        } catch {
            throw NormalizationError(.malformedJSON, "body is not valid JSON")
        }
        let format = configuration.format == .auto ? detect(object, headers: headers) : configuration.format
        if format == .pushNotification || format == .standardWebhooks, !wantsTree {
            // Detected from the few fields read so far; these formats need the whole tree.
            guard case .object(let whole) = JSONValue.parse(body) else { throw NormalizationError(.malformedJSON, "body is not valid JSON") }
            object = whole
        }
        var normalized: NormalizedDelivery
        switch format {
        case .guide: normalized = try guideEvent(object, body: body, headers: headers)
        case .pushNotification: normalized = try PushNotificationReader(configuration: configuration).read(object)
        case .standardWebhooks: normalized = try standardWebhooks(.object(object), headers: headers)
        case .auto:
            throw NormalizationError(
                .unknownFormat,
                "body is neither a guide event (eventType), a push notification (Inserted/Deleted, Query) nor a Standard Webhooks delivery"
            )
        }
        if let delivery = headers["X-Acumatica-Delivery"], !delivery.isEmpty {
            normalized.idempotencyKey = delivery
            normalized.idempotencyKeyOrigin = "X-Acumatica-Delivery"
        } else if normalized.idempotencyKey.isEmpty, let id = headers["webhook-id"], !id.isEmpty {
            normalized.idempotencyKey = id
            normalized.idempotencyKeyOrigin = "webhook-id"
        } else if normalized.idempotencyKey.isEmpty {
            normalized.idempotencyKey = "sha256:" + Hex.encode(Array(SHA256.hash(data: body)))
            normalized.idempotencyKeyOrigin = "body hash"
        }
        return normalized
    }

    /// Whether every byte is ASCII (then the body is valid UTF-8 without building a String),
    /// eight bytes at a time.
    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var index = 0
            while index + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                index += 8
            }
            while index < raw.count {
                if raw[index] >= 0x80 { return false }
                index += 1
            }
            return true
        }
    }

    /// Top-level fields the guide format and format detection read.
    static let guideFields: Set<String> = ["eventType", "entityType", "entityId", "tenantId", "timestamp", "metadata", "Query", "Inserted", "Deleted"]

    private func detect(_ object: [String: JSONValue], headers: DeliveryHeaders) -> SourceFormat {
        if object["Query"] != nil, object["Inserted"] != nil || object["Deleted"] != nil { return .pushNotification }
        if object["eventType"] != nil || headers["X-Acumatica-Event"] != nil { return .guide }
        if headers["webhook-id"] != nil { return .standardWebhooks }
        return .auto
    }

    private func guideEvent(_ object: [String: JSONValue], body: [UInt8], headers: DeliveryHeaders) throws(NormalizationError) -> NormalizedDelivery {
        let header = headers["X-Acumatica-Event"]
        let field = object["eventType"]
        if let field, field.string == nil { throw NormalizationError(.missingField, "eventType must be a string") }
        if let header, let field = field?.string, header != field {
            throw NormalizationError(.eventTypeMismatch, "X-Acumatica-Event '\(header)' and eventType '\(field)' disagree")
        }
        guard let eventType = field?.string ?? header else {
            throw NormalizationError(.missingField, "eventType is missing (in the body or X-Acumatica-Event)")
        }
        guard EventTypeName.isValid(eventType) else {
            throw NormalizationError(.invalidEventType, "eventType '\(eventType)' is not of the form Entity.Action")
        }
        guard let entityId = object["entityId"]?.scalarText, !entityId.isEmpty else {
            throw NormalizationError(.missingField, "entityId is missing or not a string")
        }
        let entityType = object["entityType"]?.string ?? String(EventTypeName.entity(of: eventType))
        let event = InboundEvent(
            eventType: eventType,
            entityType: entityType,
            entityId: entityId,
            tenant: object["tenantId"]?.scalarText ?? "",
            orderingKey: object["timestamp"]?.scalarText ?? "",
            json: body
        )
        let correlation = object["metadata"]?["correlationId"]?.scalarText ?? ""
        return NormalizedDelivery(
            format: .guide,
            events: [event],
            idempotencyKey: correlation,
            idempotencyKeyOrigin: correlation.isEmpty ? "" : "metadata.correlationId"
        )
    }

    private func standardWebhooks(_ root: JSONValue, headers: DeliveryHeaders) throws(NormalizationError) -> NormalizedDelivery {
        guard let eventType = root.value(at: configuration.eventTypeField)?.string else {
            throw NormalizationError(.missingField, "\(configuration.eventTypeField) is missing or not a string")
        }
        guard EventTypeName.isValid(eventType) else {
            throw NormalizationError(.invalidEventType, "event type '\(eventType)' is not of the form entity.action")
        }
        let entityType = String(EventTypeName.entity(of: eventType))
        let entityId = root.value(at: configuration.entityIdField)?.scalarText ?? ""
        let timestamp = headers["webhook-timestamp"] ?? root["timestamp"]?.scalarText ?? ""
        var metadata: [String: JSONValue] = ["source": .string("standard-webhooks")]
        if let id = headers["webhook-id"] { metadata["webhookId"] = .string(id) }
        let document = JSONValue.object([
            "eventType": .string(eventType),
            "entityType": .string(entityType),
            "entityId": .string(entityId),
            "timestamp": .string(timestamp),
            "data": root["data"] ?? root,
            "metadata": .object(metadata),
        ])
        let event = InboundEvent(
            eventType: eventType,
            entityType: entityType,
            entityId: entityId,
            tenant: "",
            orderingKey: timestamp,
            json: document.encoded()
        )
        return NormalizedDelivery(format: .standardWebhooks, events: [event], idempotencyKey: "", idempotencyKeyOrigin: "")
    }
}

extension JSONValue {
    /// The value at a dotted path (`data.id`).
    func value(at path: String) -> JSONValue? {
        var current: JSONValue? = self
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current
    }
}
