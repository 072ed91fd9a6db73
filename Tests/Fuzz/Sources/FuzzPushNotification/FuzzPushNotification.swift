import FuzzDriver
import AcuhookCore
import AcuhookInbound
import AcuhookJSON

// The body normaliser on arbitrary bytes, read twice: once detecting the format (as a source with
// `format: auto` does) and once as a push notification with a configured route. It must never
// crash, must give the same result for the same bytes, and every event it makes must be an
// object of valid JSON whose fields agree with the event's.

let automatic = DeliveryNormalizer()
let pushOnly: DeliveryNormalizer = {
    var configuration = NormalizerSettings()
    configuration.format = .pushNotification
    configuration.pushRoutes = ["Stock Items": PushRoute(entity: "StockItem", keyColumns: ["InventoryID", "Warehouse"])]
    return DeliveryNormalizer(configuration: configuration)
}()
let noHeaders = DeliveryHeaders([])

/// The property check for one input.
func checkPushNotification(_ body: [UInt8]) {
    for normalizer in [automatic, pushOnly] {
        guard let delivery = try? normalizer.normalize(body: body, headers: noHeaders) else { continue }
        guard let again = try? normalizer.normalize(body: body, headers: noHeaders), again.events == delivery.events,
              again.idempotencyKey == delivery.idempotencyKey
        else { fuzzFailure(body, "a second read of the same bytes differs") }
        check(delivery, body)
    }
}

func check(_ delivery: NormalizedDelivery, _ body: [UInt8]) {
    guard !delivery.events.isEmpty else { fuzzFailure(body, "accepted with no events") }
    guard !delivery.idempotencyKey.isEmpty else { fuzzFailure(body, "accepted with no idempotency key") }
    for event in delivery.events {
        guard case .object(let document) = try? JSONParser.parse(event.json) else {
            fuzzFailure(body, "event JSON is not an object: \(String(decoding: event.json, as: UTF8.self))")
        }
        guard delivery.format == .pushNotification else { continue }
        guard document["eventType"] == .string(event.eventType), document["entityType"] == .string(event.entityType),
              document["entityId"] == .string(event.entityId)
        else { fuzzFailure(body, "event fields disagree with its JSON: \(event.eventType) \(event.entityId)") }
        let parts = event.eventType.split(separator: ".")
        guard parts.count == 2, ["Inserted", "Updated", "Deleted"].contains(parts[1]), parts[0] == Substring(event.entityType),
              !parts[0].isEmpty
        else { fuzzFailure(body, "event type \(event.eventType.debugDescription) is not <Entity>.<Inserted|Updated|Deleted>") }
        if parts[1] == "Updated" {
            guard case .array(let changes) = document["changes"] else { fuzzFailure(body, "an update without changes") }
            let fields = changes.compactMap { $0["field"]?.string }
            guard fields.count == changes.count, fields == fields.sorted(), Set(fields).count == fields.count else {
                fuzzFailure(body, "an update's changes are not one sorted entry per field")
            }
        }
    }
}
