import AcuhookCore
import Crypto

/// Turns one delivery's body into events of the one event model, and finds its idempotency key.
///
/// Pure: no I/O, no clock. Verification has already run on the exact bytes; the seed format's
/// events keep those bytes verbatim as their JSON.
public struct DeliveryNormalizer: Sendable {
    /// How bodies are read.
    public let configuration: NormalizerConfiguration

    /// Creates a normaliser.
    public init(configuration: NormalizerConfiguration = NormalizerConfiguration()) {
        self.configuration = configuration
    }

    /// Normalises `body`.
    /// - Throws: ``NormalizationError`` with the status to answer (400 or 422).
    public func normalize(body: [UInt8], headers: DeliveryHeaders) throws(NormalizationError) -> NormalizedDelivery {
        guard String(validating: body, as: UTF8.self) != nil else {
            throw NormalizationError(.invalidUTF8, "body is not valid UTF-8")
        }
        let probe = try DeliveryProbe.decode(body)
        let format = configuration.format == .auto ? detect(probe, headers: headers) : configuration.format
        var normalized: NormalizedDelivery
        switch format {
        case .seed: normalized = try seed(probe, body: body, headers: headers)
        case .pushNotification: normalized = try PushNotificationReader(configuration: configuration).read(try tree(body))
        case .standardWebhooks: normalized = try standardWebhooks(.object(try tree(body)), headers: headers)
        case .auto:
            throw NormalizationError(
                .unknownFormat,
                "body is neither a seed event (eventType), a push notification (Inserted/Deleted, Query) nor a Standard Webhooks delivery"
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

    /// The whole body as a tree (push notifications and Standard Webhooks need arbitrary fields).
    private func tree(_ body: [UInt8]) throws(NormalizationError) -> [String: JSONValue] {
        guard case .object(let object) = JSONValue.parse(body) else {
            throw NormalizationError(.unknownFormat, "body must be a JSON object")
        }
        return object
    }

    private func detect(_ probe: DeliveryProbe, headers: DeliveryHeaders) -> DeliveryFormat {
        if probe.Query != nil, probe.Inserted != nil || probe.Deleted != nil { return .pushNotification }
        if probe.eventType != nil || headers["X-Acumatica-Event"] != nil { return .seed }
        if headers["webhook-id"] != nil { return .standardWebhooks }
        return .auto
    }

    private func seed(_ probe: DeliveryProbe, body: [UInt8], headers: DeliveryHeaders) throws(NormalizationError) -> NormalizedDelivery {
        let header = headers["X-Acumatica-Event"]
        let field = probe.eventType
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
        guard let entityId = probe.entityId?.text, !entityId.isEmpty else {
            throw NormalizationError(.missingField, "entityId is missing or not a string")
        }
        let entityType = probe.entityType?.string ?? String(EventTypeName.entity(of: eventType))
        let event = InboundEvent(
            eventType: eventType,
            entityType: entityType,
            entityId: entityId,
            tenant: probe.tenantId?.text ?? "",
            orderingKey: probe.timestamp?.text ?? "",
            json: body
        )
        let correlation = probe.metadata?.correlationId?.text ?? ""
        return NormalizedDelivery(
            format: .seed,
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
