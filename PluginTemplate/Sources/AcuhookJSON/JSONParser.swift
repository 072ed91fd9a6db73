/// A strict RFC 8259 JSON parser over UTF-8 bytes, producing ``JSONValue``.
///
/// Why not Foundation: its JSON readers are several times slower on this platform and would
/// dominate the receive path (push notifications approach 500 KB). This parser keeps integers exact (Int64;
/// larger or fractional numbers become Double), rejects trailing bytes, unpaired surrogates,
/// control characters in strings and nesting deeper than ``maxDepth``. Expects UTF-8: an invalid
/// sequence inside a string becomes U+FFFD, so callers that must refuse it validate the bytes
/// first, as `DeliveryNormalizer` does. Tests/Fuzz/FuzzJSON checks it against Foundation.
public struct JSONParser {
    /// Deepest nesting accepted (arrays and objects). Default 128.
    public static let maxDepth = 128

    /// Why the bytes are not JSON, with the byte offset.
    public struct Failure: Error, Sendable, Equatable {
        /// Byte offset of the problem.
        public var offset: Int
        /// What was expected.
        public var reason: String
    }

    /// Parses one JSON text.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(Failure) in
            var parser = Cursor(buffer)
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.fail("end of input after the value") }
            return value
        }
    }

    /// Parses one JSON text that must be an object, validating all of it but building values only
    /// for the top-level keys in `keep` (the guide format's `data` and `changes` are checked, not
    /// materialised). Returns nil when the text is valid JSON but not an object.
    public static func parseObject(_ bytes: [UInt8], keeping keep: Set<String>) throws(Failure) -> [String: JSONValue]? {
        try bytes.withUnsafeBufferPointer { buffer throws(Failure) in
            var parser = Cursor(buffer)
            parser.skipWhitespace()
            guard parser.current == UInt8(ascii: "{") else {
                _ = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw parser.fail("end of input after the value") }
                return nil
            }
            parser.index += 1
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(keep.count)
            parser.skipWhitespace()
            if parser.current == UInt8(ascii: "}") {
                parser.index += 1
            } else {
                members: while true {
                    parser.skipWhitespace()
                    guard parser.current == UInt8(ascii: "\"") else { throw parser.fail("a string key") }
                    let key = try parser.string()
                    parser.skipWhitespace()
                    guard parser.current == UInt8(ascii: ":") else { throw parser.fail("':'") }
                    parser.index += 1
                    parser.skipWhitespace()
                    if keep.contains(key) {
                        members[key] = try parser.value(depth: 1)
                    } else {
                        try parser.skipValue(depth: 1)
                    }
                    parser.skipWhitespace()
                    switch parser.current {
                    case UInt8(ascii: ","): parser.index += 1
                    case UInt8(ascii: "}"):
                        parser.index += 1
                        break members
                    default: throw parser.fail("',' or '}'")
                    }
                }
            }
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.fail("end of input after the value") }
            return members
        }
    }
}
