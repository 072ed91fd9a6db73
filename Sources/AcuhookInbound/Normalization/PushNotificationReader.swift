import Foundation
import AcuhookCore
import AcuhookJSON

/// Reads a real Acumatica push notification: one event per row, with an update (the old row in
/// `Deleted`, the new one in `Inserted`) paired by the route's key columns, trimmed.
struct PushNotificationReader {
    let configuration: NormalizerSettings

    private typealias Row = [String: JSONValue]

    func read(_ object: [String: JSONValue]) throws(NormalizationError) -> NormalizedDelivery {
        guard let query = object["Query"]?.string, !query.isEmpty else {
            throw NormalizationError(.missingField, "Query is missing or not a string")
        }
        let inserted = try rows(object["Inserted"], "Inserted")
        let deleted = try rows(object["Deleted"], "Deleted")
        guard !inserted.isEmpty || !deleted.isEmpty else {
            throw NormalizationError(.missingField, "push notification has no rows in Inserted or Deleted")
        }
        let tenant = object["CompanyId"]?.scalarText ?? ""
        let transaction = object["Id"]?.scalarText ?? ""
        let timeStamp: JSONValue
        switch object["TimeStamp"] {
        case .some(.integer(let ticks)): timeStamp = .integer(ticks)
        case .some(.string(let text)) where !text.isEmpty && text.allSatisfy(\.isNumber): timeStamp = .string(text)
        case .none, .some(.null): timeStamp = .null
        default: throw NormalizationError(.missingField, "TimeStamp must be an integer")
        }
        let ordering = timeStamp.scalarText ?? ""
        let columns = Set((inserted + deleted).flatMap(\.keys))
        let route = configuration.pushRoutes[query] ?? PushRoute.fallback(query: query, columns: columns)

        // Pair by key, first come first served among rows sharing a key: the Deleted rows' indexes
        // by key, with how many of each key's are taken (one pass, not one search per row).
        let deletedKeys = deleted.map { key($0, route) }
        var deletedByKey: [String: (indexes: [Int], taken: Int)] = [:]
        for (index, rowKey) in deletedKeys.enumerated() { deletedByKey[rowKey, default: ([], 0)].indexes.append(index) }
        var paired = [Bool](repeating: false, count: deleted.count)
        var events: [InboundEvent] = []
        func event(_ action: String, key: String, row: Row, old: Row?) {
            var changes: [JSONValue] = []
            if let old {
                for field in Set(row.keys).union(old.keys).sorted() {
                    let before = old[field] ?? .null
                    let after = row[field] ?? .null
                    if !Self.same(before, after) {
                        changes.append(.object(["field": .string(field), "oldValue": before, "newValue": after]))
                    }
                }
            }
            var metadata: [String: JSONValue] = [
                "source": .string("push-notification"),
                "query": .string(query),
                "transactionId": .string(transaction),
                "keyColumns": .array(route.keyColumns.map { .string($0) }),
                "additionalInfo": object["AdditionalInfo"] ?? .object([:]),
            ]
            if let old {
                metadata["previous"] = .object(old)
                metadata["unchanged"] = .bool(changes.isEmpty)
            }
            let eventType = "\(route.entity).\(action)"
            var document: [String: JSONValue] = [
                "eventType": .string(eventType),
                "entityType": .string(route.entity),
                "entityId": .string(key),
                "tenantId": .string(tenant),
                "timestamp": timeStamp,
                "data": .object(row),
                "metadata": .object(metadata),
            ]
            if old != nil { document["changes"] = .array(changes) }
            events.append(
                InboundEvent(
                    eventType: eventType,
                    entityType: route.entity,
                    entityId: key,
                    tenant: tenant,
                    orderingKey: ordering,
                    json: JSONValue.object(document).encoded()
                )
            )
        }
        for row in inserted {
            let rowKey = key(row, route)
            if !route.keyColumns.isEmpty, let match = deletedByKey[rowKey], match.taken < match.indexes.count {
                let index = match.indexes[match.taken]
                deletedByKey[rowKey]?.taken += 1
                paired[index] = true
                event("Updated", key: rowKey, row: row, old: deleted[index])
            } else {
                event("Inserted", key: rowKey, row: row, old: nil)
            }
        }
        for (index, row) in deleted.enumerated() where !paired[index] { event("Deleted", key: deletedKeys[index], row: row, old: nil) }

        let idempotency = transaction.isEmpty ? "" : "\(tenant)|\(query)|\(transaction)"
        return NormalizedDelivery(
            format: .pushNotification,
            events: events,
            idempotencyKey: idempotency,
            idempotencyKeyOrigin: idempotency.isEmpty ? "" : "CompanyId+Query+Id"
        )
    }

    private func rows(_ value: JSONValue?, _ name: String) throws(NormalizationError) -> [Row] {
        switch value {
        case .none, .some(.null): return []
        case .some(.array(let items)):
            var rows: [Row] = []
            for item in items {
                guard case .object(let row) = item else { throw NormalizationError(.missingField, "\(name) must be a list of objects") }
                rows.append(row)
            }
            return rows
        default:
            throw NormalizationError(.missingField, "\(name) must be a list of rows")
        }
    }

    /// The row's trimmed key values joined by `|`.
    private func key(_ row: Row, _ route: PushRoute) -> String {
        route.keyColumns.map { column in
            (row[column]?.scalarText ?? "").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "|")
    }

    /// Equal, ignoring padding around strings (Acumatica pads some key and code columns).
    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if case .string(let x) = a, case .string(let y) = b {
            return x.trimmingCharacters(in: .whitespaces) == y.trimmingCharacters(in: .whitespaces)
        }
        return a == b
    }
}
