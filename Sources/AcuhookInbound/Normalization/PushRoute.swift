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
    /// any `:` in CamelCase, the last one made singular (`Stock Items: Last Modified` →
    /// `StockItem`, `Sales Orders` → `SalesOrder`), and the key columns are the row's columns
    /// named `…ID`, `…Nbr` or `…CD` without a `_` (`InventoryID`, `OrderNbr`).
    public static func fallback(query: String, columns: some Sequence<String>) -> PushRoute {
        let head = query.split(separator: ":", maxSplits: 1).first.map(String.init) ?? query
        var words = head.split { !$0.isLetter && !$0.isNumber }.map(String.init)
        if let last = words.popLast() { words.append(singular(last)) }
        var entity = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if entity.isEmpty { entity = "PushNotification" }
        let keys = columns.filter { column in
            !column.contains("_") && (column.hasSuffix("ID") || column.hasSuffix("Nbr") || column.hasSuffix("CD"))
        }.sorted()
        return PushRoute(entity: entity, keyColumns: keys)
    }

    /// An English plural made singular by its ending (`Items` → `Item`, `Activities` →
    /// `Activity`, `Batches` → `Batch`, `Classes` → `Class`); other words unchanged
    /// (`Status`, `Address`, `Summary`).
    static func singular(_ word: String) -> String {
        let lower = word.lowercased()
        guard word.count > 3 else { return word }
        if lower.hasSuffix("ies") { return String(word.dropLast(3)) + (word.last!.isUppercase ? "Y" : "y") }
        for ending in ["sses", "xes", "ches", "shes", "zes"] where lower.hasSuffix(ending) { return String(word.dropLast(2)) }
        if lower.hasSuffix("s"), !lower.hasSuffix("ss"), !lower.hasSuffix("us"), !lower.hasSuffix("is") { return String(word.dropLast()) }
        return word
    }
}
