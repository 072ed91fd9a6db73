import AcuhookJSON

/// Re-indents a JSON text for people without parsing its values: numbers keep their exact
/// digits (a push notification's `TimeStamp` exceeds 2^53) and objects their key order.
public enum JSONPrettyPrinter {
    /// `json` indented by `indent` spaces per level; text that is not JSON comes back unchanged
    /// (as UTF-8, invalid bytes replaced).
    public static func format(_ json: some Collection<UInt8>, indent: Int = 2) -> String {
        guard JSONValue.parse(json) != nil else { return String(decoding: json, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(json.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        var previous: UInt8 = 0
        func newline() {
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * indent))
        }
        for byte in json {
            if inString {
                output.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "\""):
                inString = true
                output.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                output.append(byte)
                depth += 1
                newline()
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if previous == UInt8(ascii: "{") || previous == UInt8(ascii: "[") {
                    // An empty object or array stays on one line: undo the newline.
                    while output.last == UInt8(ascii: " ") || output.last == UInt8(ascii: "\n") { output.removeLast() }
                } else {
                    newline()
                }
                output.append(byte)
            case UInt8(ascii: ","):
                output.append(byte)
                newline()
            case UInt8(ascii: ":"):
                output.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            default:
                output.append(byte)
            }
            previous = byte
        }
        return String(decoding: output, as: UTF8.self)
    }
}
