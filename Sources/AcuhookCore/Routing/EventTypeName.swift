/// Rules for event type names (`Entity.Action`).
public enum EventTypeName {
    /// Whether `name` is a usable event type: non-empty parts around at least one dot, no white
    /// space, no `*`.
    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard let dot = utf8.firstIndex(of: UInt8(ascii: ".")), dot != utf8.startIndex, utf8.last != UInt8(ascii: ".") else {
            return false
        }
        // ASCII bytes decide on their own; anything else falls back to Unicode white space.
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return !utf8.contains { $0 == UInt8(ascii: "*") || $0 == 0x20 || (0x09...0x0D).contains($0) }
        }
        return !name.contains { $0.isWhitespace || $0 == "*" }
    }

    /// The entity part: everything before the first dot (`SalesOrder` for `SalesOrder.Updated`).
    public static func entity(of name: String) -> Substring {
        name.firstIndex(of: ".").map { name[..<$0] } ?? name[...]
    }

    /// The event types named by Acumatica's webhook guide, used by `acuhook routes` when no
    /// `--event` is given.
    public static let knownTypes: [String] = [
        "Customer.Inserted", "Customer.Updated", "Customer.StatusChanged",
        "SalesOrder.Inserted", "SalesOrder.Updated", "SalesOrder.Released", "SalesOrder.Cancelled",
        "SalesOrder.LargeOrder",
        "StockItem.Inserted", "StockItem.Updated", "StockItem.Deleted",
        "Test.Event",
    ]
}
