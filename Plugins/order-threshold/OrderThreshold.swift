import AcuhookJSON
import AcuhookPluginKit
import CAcuhookPlugin

/// Watches `SalesOrder.*` events: skips orders below a threshold, and for the others emits a
/// derived `SalesOrder.LargeOrder` event through the host.
///
/// Configuration: `{"order_total": 1000}` (default 1000). An order without `OrderTotal` is
/// rejected (bad data). It never handles its own `SalesOrder.LargeOrder` events. Fields are read
/// by path from the event's JSON (`event["data.OrderTotal"]`), the rest of it is not parsed.
final class OrderThreshold: AcuhookHandler {
    static let metadata = PluginMetadata(
        name: "order-threshold",
        version: "1.0.0",
        subscriptions: ["SalesOrder.*"],
        threadSafe: true
    )

    static let derivedType = "SalesOrder.LargeOrder"
    private let threshold: Double

    struct BadThreshold: Error, CustomStringConvertible {
        var description: String { "order-threshold: config.order_total must be a number" }
    }

    init(configuration: [UInt8], host: HostLink) throws {
        switch JSONValue.parse(configuration)?["order_total"] {
        case nil: threshold = 1000
        case .integer(let number)?: threshold = Double(number)
        case .double(let number)?: threshold = number
        default: throw BadThreshold()
        }
        host.log(.debug, "large-order threshold is \(threshold)")
    }

    func handle(_ event: IncomingEvent) -> HandlerResult {
        let type = event.eventType
        guard type != Self.derivedType else { return .skip("own derived event") }
        let data = event["data"]
        guard let total = data?["OrderTotal"], let amount = Self.number(total) else { return .reject("no numeric OrderTotal in data") }
        guard amount >= threshold else { return .skip("OrderTotal \(amount) below \(threshold)") }

        // {"CustomerID", "OrderNbr", "OrderTotal", "OrderType", "sourceEvent", "threshold"}, keys sorted;
        // copied fields keep their JSON as written, a numeric OrderTotal its exact digits.
        var body: [UInt8] = [UInt8(ascii: "{")]
        for key in ["CustomerID", "OrderNbr"] { Self.append(key, data?[key], to: &body) }
        body.append(contentsOf: #""OrderTotal":"#.utf8)
        if total.kind == .number { total.appendJSON(to: &body) } else { body.append(contentsOf: String(amount).utf8) }
        body.append(UInt8(ascii: ","))
        Self.append("OrderType", data?["OrderType"], to: &body)
        body.append(contentsOf: #""sourceEvent":"#.utf8)
        JSONText.appendString(type, to: &body)
        body.append(contentsOf: #","threshold":\#(threshold)}"#.utf8)
        switch event.emit(type: Self.derivedType, dataJSON: String(decoding: body, as: UTF8.self)) {
        case .ok: return .ok
        case let status: return .retry("host refused the derived event: \(status)")
        }
    }

    /// `"key":value,` when `field` is there.
    static func append(_ key: String, _ field: JSONField?, to body: inout [UInt8]) {
        guard let field else { return }
        JSONText.appendString(key, to: &body)
        body.append(UInt8(ascii: ":"))
        field.appendJSON(to: &body)
        body.append(UInt8(ascii: ","))
    }

    /// A number, or a string holding one (`1200.5`, `"1200.5"`); nil otherwise.
    static func number(_ field: JSONField) -> Double? {
        let value = field.double ?? field.string.flatMap { Double($0.trimmingSpaces) }
        return value.flatMap { $0.isFinite ? $0 : nil }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return self[first...last]
    }
}

@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: OrderThreshold.self)
}
