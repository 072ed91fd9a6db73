import AcuhookJSON
import FuzzDriver

// JSONField (the plugins' reader by path) on the same bytes: it never crashes, whatever the bytes,
// and on a valid UTF-8 object it finds each top-level member as the full parse has it
// (Acumatica's `{"value": …}` unwrapped), with the same string and integer.

/// The property check for one input, given the full parse.
func checkFields(_ bytes: [UInt8], against whole: Result<JSONValue, JSONParser.Failure>) {
    bytes.withUnsafeBytes { text in
        for path in ["a", "data.a", "0", "a.0.b", "", "value"] { _ = JSONField.find(path, in: text)?.scalarText }
        // Keys are compared as UTF-8: a key holding invalid UTF-8 (which the parser reads as
        // U+FFFD, and which the host never hands a plugin) is not addressable by a Swift string.
        guard case .success(.object(let members)) = whole, String(validating: bytes, as: UTF8.self) != nil else { return }
        // An empty path is the whole text, and a dot separates keys: such members are not addressable.
        for (key, value) in members where !key.isEmpty && !key.contains(".") {
            guard let field = JSONField.find(key, in: text) else { fuzzFailure(bytes, "no field for the member \(key.debugDescription)") }
            var expected = value
            if case .object(let inner) = value, let unwrapped = inner["value"] { expected = unwrapped }
            let found = Result { () throws(JSONParser.Failure) in try JSONParser.parse(UnsafeRawBufferPointer(field.text)) }
            // Of repeated keys the full parse keeps the last, the field reader the first.
            let repeated = occurrences(of: key, in: bytes) > 1 || occurrences(of: "value", in: bytes) > 1
            guard case .success(let read) = found, read == expected || repeated else {
                fuzzFailure(bytes, "the field \(key.debugDescription) reads \(found), the parse has \(expected)")
            }
            guard read == expected else { continue }
            if case .string(let string) = expected, field.string != string { fuzzFailure(bytes, "string \(field.string ?? "nil") for \(string)") }
            if case .integer(let integer) = expected, field.int64 != integer { fuzzFailure(bytes, "integer \(field.int64.map(String.init) ?? "nil") for \(integer)") }
        }
    }
}

/// How often `key` appears as a JSON string (roughly: its escaped text between quotes).
private func occurrences(of key: String, in bytes: [UInt8]) -> Int {
    let needle = Array(JSONText.quoted(key).utf8)
    guard !needle.isEmpty, needle.count <= bytes.count else { return 0 }
    var count = 0
    for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) { count += 1 }
    // A key written with other escapes than JSONText's is not found: count it as repeated.
    return count == 0 ? 2 : count
}
