import Foundation

/// The top-level fields the normaliser needs, decoded in one pass without building a tree of the
/// whole body (the seed format's `data` and `changes` are validated as JSON but not decoded).
struct DeliveryProbe: Decodable {
    /// A JSON value read loosely: a string, a number's text, a bool, or something else.
    enum Scalar: Decodable {
        case string(String)
        case number(String)
        case bool(Bool)
        case null
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if container.decodeNil() {
                self = .null
            } else if let integer = try? container.decode(Int64.self) {
                self = .number(String(integer))
            } else if let double = try? container.decode(Double.self) {
                self = .number(String(double))
            } else if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else {
                self = .other
            }
        }

        /// The text of a string or number.
        var text: String? {
            switch self {
            case .string(let text), .number(let text): text
            case .bool, .null, .other: nil
            }
        }

        /// The string, when it is one.
        var string: String? {
            if case .string(let text) = self { return text }
            return nil
        }
    }

    /// Present at all (content not decoded).
    struct Presence: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    struct Metadata: Decodable {
        var correlationId: Scalar?
    }

    var eventType: Scalar?
    var entityType: Scalar?
    var entityId: Scalar?
    var tenantId: Scalar?
    var timestamp: Scalar?
    var metadata: Metadata?
    // Push-notification markers.
    var Query: Presence?
    var Inserted: Presence?
    var Deleted: Presence?

    /// Decodes the probe, or tells malformed JSON (400) from JSON that is not an object (422).
    static func decode(_ body: [UInt8]) throws(NormalizationError) -> DeliveryProbe {
        do {
            return try JSONDecoder().decode(DeliveryProbe.self, from: Data(body))
        } catch DecodingError.dataCorrupted {
            throw NormalizationError(.malformedJSON, "body is not valid JSON")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw NormalizationError(.unknownFormat, "body must be a JSON object")
        } catch {
            // A known field of an unexpected shape (metadata not an object…).
            throw NormalizationError(.missingField, "a top-level field has the wrong type: \(error)")
        }
    }
}
