import AcuhookCore

/// The body formats a source can receive.
public enum SourceFormat: String, Sendable, CaseIterable {
    /// Detect per delivery: push-notification shape, guide-event shape, or Standard Webhooks headers.
    case auto
    /// The JSON event format of Acumatica's webhook guide (`eventType`, `entityId`, `data`,
    /// `changes`, …).
    case guide
    /// Real Acumatica push notifications (`Inserted`/`Deleted` rows, `Query`, `Id`, `TimeStamp`).
    case pushNotification = "push-notification"
    /// Standard Webhooks bodies (event type from a JSON field).
    case standardWebhooks = "standard-webhooks"
}

/// A delivery whose body cannot be normalised. Carries the HTTP status to answer with.
public struct NormalizationError: Error, Sendable, Equatable {
    /// Stable codes for the JSON error body.
    public enum Code: String, Sendable {
        /// The body is not UTF-8 (400).
        case invalidUTF8 = "invalid_utf8"
        /// The body is not JSON (400).
        case malformedJSON = "malformed_json"
        /// Valid JSON in no known format (422).
        case unknownFormat = "unknown_format"
        /// A required field is missing or has the wrong type (422).
        case missingField = "missing_field"
        /// The event type is not `Entity.Action` (422).
        case invalidEventType = "invalid_event_type"
        /// `X-Acumatica-Event` and `eventType` disagree (422).
        case eventTypeMismatch = "event_type_mismatch"
    }

    /// Which problem.
    public var code: Code
    /// What is wrong, for the sender.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// 400 for bytes that are not JSON, 422 for JSON that is not a usable delivery.
    public var httpStatus: Int {
        switch code {
        case .invalidUTF8, .malformedJSON: 400
        case .unknownFormat, .missingField, .invalidEventType, .eventTypeMismatch: 422
        }
    }
}

/// What normalising one delivery gave.
public struct NormalizedDelivery: Sendable {
    /// The format it was read as.
    public var format: Delivery.Format
    /// One or more events.
    public var events: [InboundEvent]
    /// The idempotency key and where it came from.
    public var idempotencyKey: String, idempotencyKeyOrigin: String

    /// Creates a result.
    public init(format: Delivery.Format, events: [InboundEvent], idempotencyKey: String, idempotencyKeyOrigin: String) {
        self.format = format
        self.events = events
        self.idempotencyKey = idempotencyKey
        self.idempotencyKeyOrigin = idempotencyKeyOrigin
    }
}
