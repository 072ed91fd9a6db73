import FuzzDriver
import AcuhookCore
import AcuhookJSON

// Route filter expressions: parsing must never crash, and a parsed filter written back
// (`description`) must parse to a filter that matches the same events. Writing is stable after
// one round: a number's written form may change once (`1e3` → `1000`, `-0` → `0`), never again.
// Matching runs against a small fixed event set.

let events: [JSONValue] = [
    .object([
        "eventType": .string("SalesOrder.Updated"), "entityId": .string("SO-1"),
        "data": .object(["OrderTotal": .object(["value": .double(1250.5)]), "Status": .string("Open"), "Lines": .integer(3), "Email": .null]),
    ]),
    .object(["eventType": .string("Customer.Inserted"), "data": .object(["Status": .string("Active"), "Balance": .integer(-4), "x": .double(-0.0)])]),
    .object([:]),
]

/// The property check for one input.
func checkEventFilter(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    // A regular expression is matched by backtracking; long fuzzed patterns only measure that.
    guard let filter = try? EventFilter(parsing: text) else { return }
    let written = filter.description
    let reparsed = reparse(written, from: text)
    let rewritten = reparsed.description
    guard reparse(rewritten, from: text).description == rewritten else {
        fatalError("\(text.debugDescription) → \(written.debugDescription) → \(rewritten.debugDescription) does not settle")
    }
    if bytes.count <= 256 {
        for event in events where filter.matches(event) != reparsed.matches(event) {
            fatalError("\(text.debugDescription) and its description \(written.debugDescription) match \(event) differently")
        }
    }
}

/// The filter `written` describes; stops the process when it does not parse.
func reparse(_ written: String, from text: String) -> EventFilter {
    do {
        return try EventFilter(parsing: written)
    } catch {
        fatalError("\(text.debugDescription) parses, but its description \(written.debugDescription) does not: \(error)")
    }
}
