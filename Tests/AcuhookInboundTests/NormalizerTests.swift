import AcuhookCore
import AcuhookInbound
import Foundation
import Testing

@Suite struct NormalizerTests {
    let seedBody = """
        {"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer",
         "entityId":"CUST001","tenantId":"MyCompany","userId":"admin",
         "data":{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Updated Customer Name"},"Status":{"value":"Active"}},
         "changes":[{"field":"CustomerName","oldValue":"Old Customer Name","newValue":"Updated Customer Name"}],
         "metadata":{"source":"WebUI","correlationId":"12345-67890-abcdef"}}
        """

    private func normalize(_ body: String, _ headers: [(String, String)] = [], configuration: NormalizerSettings = NormalizerSettings()) throws -> NormalizedDelivery {
        try DeliveryNormalizer(configuration: configuration).normalize(body: Array(body.utf8), headers: DeliveryHeaders(headers))
    }

    private func error(_ body: [UInt8], _ headers: [(String, String)] = []) -> NormalizationError? {
        do {
            _ = try DeliveryNormalizer().normalize(body: body, headers: DeliveryHeaders(headers))
            return nil
        } catch {
            return error
        }
    }

    private func object(_ event: InboundEvent) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any])
    }

    @Test func seedEventKeepsTheBodyVerbatim() throws {
        let delivery = try normalize(seedBody, [("X-Acumatica-Event", "Customer.Updated")])
        #expect(delivery.format == .guide)
        let event = try #require(delivery.events.first)
        #expect(event.eventType == "Customer.Updated" && event.entityType == "Customer" && event.entityId == "CUST001")
        #expect(event.tenant == "MyCompany" && event.orderingKey == "2024-01-15T10:30:00Z")
        #expect(event.json == Array(seedBody.utf8))
        #expect(delivery.idempotencyKey == "12345-67890-abcdef" && delivery.idempotencyKeyOrigin == "metadata.correlationId")
    }

    @Test func deliveryHeaderWinsAsIdempotencyKey() throws {
        let delivery = try normalize(seedBody, [("X-Acumatica-Delivery", "dlv-1")])
        #expect(delivery.idempotencyKey == "dlv-1" && delivery.idempotencyKeyOrigin == "X-Acumatica-Delivery")
    }

    @Test func seedErrors() {
        #expect(error(Array(seedBody.utf8), [("X-Acumatica-Event", "Customer.Inserted")])?.code == .eventTypeMismatch)
        #expect(error(Array(#"{"eventType":"Customer","entityId":"C"}"#.utf8))?.code == .invalidEventType)
        #expect(error(Array(#"{"eventType":"Customer.Updated"}"#.utf8))?.code == .missingField)
        #expect(error(Array(#"{"eventType":7,"entityId":"C"}"#.utf8))?.code == .missingField)
        // The header alone names the type.
        #expect(error(Array(#"{"entityId":"C1"}"#.utf8), [("X-Acumatica-Event", "Customer.Inserted")]) == nil)
    }

    @Test func badBytesAndUnknownShapes() {
        #expect(error([0x7B, 0xFF, 0x7D])?.code == .invalidUTF8)
        #expect(error([0x7B, 0xFF, 0x7D])?.httpStatus == 400)
        // A bad byte past the first eight-byte word, and one in the tail after the last whole word.
        let long = Array(#"{"eventType":"Customer.Updated","entityId":"C1"}"#.utf8)
        #expect(error(long) == nil)
        for position in [9, long.count - 2] {
            var bad = long
            bad[position] = 0xC3  // a lead byte without its continuation
            #expect(error(bad)?.code == .invalidUTF8, "byte \(position)")
        }
        // Multi-byte UTF-8 is fine.
        #expect(error(Array(#"{"eventType":"Kunde.Geändert","entityId":"Müller"}"#.utf8)) == nil)
        #expect(error(Array("{not json".utf8))?.code == .malformedJSON)
        #expect(error(Array("[1,2]".utf8))?.code == .unknownFormat)
        #expect(error(Array(#"{"hello":"world"}"#.utf8))?.code == .unknownFormat)
        #expect(error(Array(#"{"hello":"world"}"#.utf8))?.httpStatus == 422)
    }

    @Test func pushNotificationUpdatePairBecomesOneUpdatedEventWithChanges() throws {
        let body = """
            {"Inserted":[{"InventoryID":"WIDGET01","ItemStatus":"Inactive","Description":"Widget","Weight":null}],
             "Deleted":[{"InventoryID":"WIDGET01 ","ItemStatus":"Active","Description":"Widget ","Weight":null}],
             "Query":"Stock Items","CompanyId":"MyTenant","Id":"5b0c2f7e-aaaa-bbbb-cccc-1234567890ab",
             "TimeStamp":638465233453014192,"AdditionalInfo":{}}
            """
        var configuration = NormalizerSettings()
        configuration.pushRoutes = ["Stock Items": PushRoute(entity: "StockItem", keyColumns: ["InventoryID"])]
        let delivery = try normalize(body, configuration: configuration)
        #expect(delivery.format == .pushNotification)
        #expect(delivery.events.count == 1)
        let event = try #require(delivery.events.first)
        #expect(event.eventType == "StockItem.Updated" && event.entityId == "WIDGET01" && event.tenant == "MyTenant")
        #expect(event.orderingKey == "638465233453014192")
        // Exact TimeStamp digits in the normalised JSON (no Double rounding).
        #expect(String(decoding: event.json, as: UTF8.self).contains(#""timestamp":638465233453014192"#))
        let json = try object(event)
        let changes = try #require(json["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["field"] as? String == "ItemStatus")
        #expect(changes.first?["oldValue"] as? String == "Active" && changes.first?["newValue"] as? String == "Inactive")
        #expect(delivery.idempotencyKey == "MyTenant|Stock Items|5b0c2f7e-aaaa-bbbb-cccc-1234567890ab")
    }

    @Test func pushNotificationInsertsDeletesAndIdenticalRows() throws {
        let body = """
            {"Inserted":[{"InventoryID":"NEW1","ItemStatus":"Active"},{"InventoryID":"SAME","ItemStatus":"Active"}],
             "Deleted":[{"InventoryID":"OLD1","ItemStatus":"Active"},{"InventoryID":"SAME","ItemStatus":"Active"}],
             "Query":"Stock Items: Last Modified Date","CompanyId":"T","Id":"tx-2","TimeStamp":1,"AdditionalInfo":{}}
            """
        let delivery = try normalize(body)
        // Fallback route: entity from the query's words, keys from *ID columns.
        #expect(delivery.events.map(\.eventType) == ["StockItem.Inserted", "StockItem.Updated", "StockItem.Deleted"])
        #expect(delivery.events.map(\.entityId) == ["NEW1", "SAME", "OLD1"])
        let unchanged = try object(delivery.events[1])
        #expect((unchanged["changes"] as? [Any])?.isEmpty == true)
        #expect((unchanged["metadata"] as? [String: Any])?["unchanged"] as? Bool == true)
    }

    @Test func rowsSharingAKeyPairFirstComeFirstServed() throws {
        let body = """
            {"Inserted":[{"InventoryID":"A","Qty":10},{"InventoryID":"A","Qty":20},{"InventoryID":"C","Qty":1}],
             "Deleted":[{"InventoryID":"A","Qty":1},{"InventoryID":"B","Qty":5},{"InventoryID":"A ","Qty":2}],
             "Query":"Stock Items","Id":"tx-3","TimeStamp":1}
            """
        let events = try normalize(body).events
        #expect(events.map(\.eventType) == ["StockItem.Updated", "StockItem.Updated", "StockItem.Inserted", "StockItem.Deleted"])
        let previous = try events.prefix(2).map { try #require((object($0)["metadata"] as? [String: Any])?["previous"] as? [String: Any])["Qty"] as? Int }
        #expect(previous == [1, 2])
        #expect(events[3].entityId == "B")
    }

    @Test func aLargeUpdatePairsEveryRow() throws {
        let rows = (0..<3_000).map { #"{"InventoryID":"ITEM\#($0)","Qty":\#($0)}"# }
        let old = (0..<3_000).reversed().map { #"{"InventoryID":"ITEM\#($0) ","Qty":0}"# }
        let body = #"{"Inserted":[\#(rows.joined(separator: ","))],"Deleted":[\#(old.joined(separator: ","))],"Query":"Stock Items","Id":"big"}"#
        let events = try normalize(body).events
        #expect(events.count == 3_000)
        #expect(events.allSatisfy { $0.eventType == "StockItem.Updated" })
    }

    @Test func pushNotificationWithoutRowsOrQueryIsRefused() {
        #expect(error(Array(#"{"Inserted":[],"Deleted":[],"Query":"Q","Id":"x"}"#.utf8))?.code == .missingField)
        #expect(error(Array(#"{"Inserted":[{"A":1}],"Query":5}"#.utf8))?.code == .missingField)
        #expect(error(Array(#"{"Inserted":[1],"Query":"Q"}"#.utf8))?.code == .missingField)
    }

    @Test func standardWebhooksBody() throws {
        let body = #"{"type":"invoice.paid","timestamp":"2024-01-01T00:00:00Z","data":{"id":"INV-7","amount":12}}"#
        let delivery = try normalize(body, [("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000")])
        #expect(delivery.format == .standardWebhooks)
        let event = try #require(delivery.events.first)
        #expect(event.eventType == "invoice.paid" && event.entityType == "invoice" && event.entityId == "INV-7")
        #expect(delivery.idempotencyKey == "msg_1" && delivery.idempotencyKeyOrigin == "webhook-id")
        let json = try object(event)
        #expect((json["data"] as? [String: Any])?["amount"] as? Int == 12)
    }

    @Test func bodyHashIsTheLastResortKey() throws {
        let delivery = try normalize(#"{"eventType":"Customer.Updated","entityId":"C1"}"#)
        #expect(delivery.idempotencyKeyOrigin == "body hash" && delivery.idempotencyKey.hasPrefix("sha256:"))
        let again = try normalize(#"{"eventType":"Customer.Updated","entityId":"C1"}"#)
        #expect(again.idempotencyKey == delivery.idempotencyKey)
    }

    @Test func explicitFormatIsEnforced() {
        var configuration = NormalizerSettings()
        configuration.format = .pushNotification
        #expect(throws: NormalizationError.self) { try normalize(seedBody, configuration: configuration) }
    }
}

/// Entity names for push notifications nobody routed, from their query names.
@Suite struct PushRouteFallbackTests {
    @Test(arguments: [
        ("Stock Items", "StockItem"), ("Sales Orders: Last Modified", "SalesOrder"), ("Customers", "Customer"),
        ("Vendor Classes", "VendorClass"), ("Activities", "Activity"), ("Batches", "Batch"), ("Inventory Summary", "InventorySummary"),
        ("Order Status", "OrderStatus"), ("Customer Address", "CustomerAddress"), ("", "PushNotification"),
    ])
    func theEntityIsTheQueryInCamelCaseWithItsLastWordSingular(query: String, entity: String) {
        #expect(PushRoute.fallback(query: query, columns: ["InventoryID"]).entity == entity)
    }
}
