import Foundation

/// Sample bodies for `acuhook send`: the guide format for each event type of Acumatica's guide,
/// and a real-shaped push notification.
enum SampleEvents {
    /// A guide-format body for `eventType`, with a fresh correlation id.
    static func guideEvent(_ eventType: String, entityId: String? = nil, orderTotal: Double = 1500) -> [UInt8] {
        let entity = eventType.split(separator: ".").first.map(String.init) ?? "Entity"
        let id = entityId ?? defaultId(entity)
        let data: [String: Any]
        switch entity {
        case "Customer":
            data = ["CustomerID": ["value": id], "CustomerName": ["value": "Sample Customer"], "Status": ["value": "Active"]]
        case "SalesOrder":
            data = ["OrderType": ["value": "SO"], "OrderNbr": ["value": id], "CustomerID": ["value": "CUST001"], "OrderTotal": ["value": orderTotal], "Status": ["value": "Open"]]
        case "StockItem":
            data = ["InventoryID": ["value": id], "Description": ["value": "Sample widget"], "ItemStatus": ["value": "Active"]]
        default:
            data = ["ID": ["value": id]]
        }
        let body: [String: Any] = [
            "eventType": eventType,
            "timestamp": ISO8601DateFormatter().string(from: Date()),
            "entityType": entity,
            "entityId": id,
            "tenantId": "MyCompany",
            "userId": "admin",
            "data": data,
            "changes": [] as [Any],
            "metadata": ["source": "acuhook send", "correlationId": UUID().uuidString.lowercased()],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }

    /// A push notification with one stock item update (old row in Deleted, new in Inserted).
    static func pushNotification() -> [UInt8] {
        // TimeStamp is .NET ticks: larger than 2^53, written as exact digits.
        let ticks = 621_355_968_000_000_000 + UInt64(Date().timeIntervalSince1970 * 10_000_000)
        let body = """
            {"Inserted":[{"InventoryID":"WIDGET01","Description":"Widget","ItemStatus":"Inactive","InventoryItem_lastModifiedDateTime":"2024-03-25T10:15:45.3"}],\
            "Deleted":[{"InventoryID":"WIDGET01 ","Description":"Widget","ItemStatus":"Active","InventoryItem_lastModifiedDateTime":"2024-03-20T08:00:00"}],\
            "Query":"Stock Items","CompanyId":"MyCompany","Id":"\(UUID().uuidString.lowercased())","TimeStamp":\(ticks),"AdditionalInfo":{}}
            """
        return Array(body.utf8)
    }

    private static func defaultId(_ entity: String) -> String {
        switch entity {
        case "Customer": "CUST001"
        case "SalesOrder": "SO004211"
        case "StockItem": "WIDGET01"
        default: "ID001"
        }
    }
}
