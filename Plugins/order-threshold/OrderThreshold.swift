import AcuhookPluginKit
import CAcuhookPlugin
import Foundation

/// Watches `SalesOrder.*` events: skips orders below a threshold, and for the others emits a
/// derived `SalesOrder.LargeOrder` event through the host.
///
/// Configuration: `{"order_total": 1000}` (default 1000). An order without `OrderTotal` is
/// rejected (bad data). It never handles its own `SalesOrder.LargeOrder` events.
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
        let config = try JSONSerialization.jsonObject(with: Data(configuration)) as? [String: Any] ?? [:]
        switch config["order_total"] {
        case nil: threshold = 1000
        case let number as NSNumber: threshold = number.doubleValue
        default: throw BadThreshold()
        }
        host.log(.debug, "large-order threshold is \(threshold)")
    }

    func handle(_ event: IncomingEvent) -> HandlerResult {
        let type = event.eventType
        guard type != Self.derivedType else { return .skip("own derived event") }
        guard let root = try? JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any] else {
            return .reject("event JSON is not an object")
        }
        let data = root["data"] as? [String: Any] ?? [:]
        guard let total = Self.number(data["OrderTotal"]) else { return .reject("no numeric OrderTotal in data") }
        guard total >= threshold else { return .skip("OrderTotal \(total) below \(threshold)") }

        var derived: [String: Any] = ["OrderTotal": total, "threshold": threshold, "sourceEvent": type]
        for key in ["OrderNbr", "OrderType", "CustomerID"] {
            if let value = (data[key] as? [String: Any])?["value"] ?? data[key] { derived[key] = value }
        }
        let body = (try? JSONSerialization.data(withJSONObject: derived, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        switch event.emit(type: Self.derivedType, dataJSON: body) {
        case .ok: return .ok
        case let status: return .retry("host refused the derived event: \(status)")
        }
    }

    /// `{"value": 1200.5}`, `{"value": "1200.5"}` or a bare number.
    static func number(_ raw: Any?) -> Double? {
        let value = (raw as? [String: Any])?["value"] ?? raw
        switch value {
        case let number as NSNumber: return number.doubleValue
        case let text as String: return Double(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }
}

@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: OrderThreshold.self)
}
