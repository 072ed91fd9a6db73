/// How the rows of one push notification (one generic inquiry, named by its `Query`) map to
/// events: the entity name and the key columns that identify a row (and pair an update's
/// `Deleted` and `Inserted` rows).
public struct PushRoute: Sendable, Equatable {
    /// Entity name for event types (`StockItem` → `StockItem.Updated`).
    public var entity: String
    /// Columns whose trimmed values identify the entity (`InventoryID`).
    public var keyColumns: [String]

    /// Creates a route.
    public init(entity: String, keyColumns: [String]) {
        self.entity = entity
        self.keyColumns = keyColumns
    }

    /// The route used for a `Query` nobody configured: the entity is the query's words before
    /// any `:` in CamelCase (`Stock Items: Last Modified` → `StockItems`), and the key columns are
    /// the row's columns named `…ID`, `…Nbr` or `…CD` without a `_` (`InventoryID`, `OrderNbr`).
    public static func fallback(query: String, columns: some Sequence<String>) -> PushRoute {
        let head = query.split(separator: ":", maxSplits: 1).first.map(String.init) ?? query
        let words = head.split { !$0.isLetter && !$0.isNumber }
        var entity = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if entity.isEmpty { entity = "PushNotification" }
        let keys = columns.filter { column in
            !column.contains("_") && (column.hasSuffix("ID") || column.hasSuffix("Nbr") || column.hasSuffix("CD"))
        }.sorted()
        return PushRoute(entity: entity, keyColumns: keys)
    }
}
