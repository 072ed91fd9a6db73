/// One value of a JSON text, found by path without parsing the rest of the text: what kind it
/// is and where its text lies. Reading it decodes that value only.
///
/// ```swift
/// if let id = JSONField.find("data.CustomerID", in: json)?.string { … }
/// ```
///
/// A path is keys separated by dots (`data.Details.0.InventoryID`); a number indexes an array,
/// from 0. When the value found is an object with a `value` member (the shape of Acumatica's
/// contract-based fields, `{"CustomerID": {"value": "C01"}}`), that member is the value: ask for
/// `data.CustomerID`, get `"C01"`; on the way, a key missing from such an object is looked for
/// inside its `value`. Of repeated keys the first counts. Numbers stay as written:
/// ``int64`` is exact, ``scalarText`` keeps every digit (a `TimeStamp` of .NET ticks exceeds 2^53).
///
/// Lookups read through the same strict cursor as ``JSONParser``; a text that is not JSON where
/// the lookup passes gives nil, never a crash.
///
/// - Important: Borrowed: it points into the text it was found in and is valid only while that
///   text is (for a plugin, during `handle`). The `String` accessors copy.
public struct JSONField {
    /// What kind of JSON value it is.
    public enum Kind: Sendable, Equatable {
        /// A string.
        case string
        /// A number.
        case number
        /// `true` or `false`.
        case bool
        /// `null`.
        case null
        /// An object.
        case object
        /// An array.
        case array
    }

    /// The kind of value.
    public let kind: Kind
    /// The value's JSON text as written: a string with its quotes and escapes, a number with its
    /// exact digits, an object or array whole.
    public let text: UnsafeRawBufferPointer

    /// The value at `path` in the JSON text `json`, or nil when there is none (or the text on the
    /// way is not JSON).
    public static func find(_ path: String, in json: UnsafeRawBufferPointer) -> JSONField? {
        guard let base = json.baseAddress, !json.isEmpty else { return nil }
        let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: json.count)
        var cursor = JSONParser.Cursor(bytes)
        cursor.skipWhitespace()
        var path = path
        let found = path.withUTF8 { path -> Bool in
            var start = 0
            while start <= path.count, !path.isEmpty {
                var end = start
                while end < path.count, path[end] != UInt8(ascii: ".") { end += 1 }
                let key = UnsafeBufferPointer(rebasing: path[start..<end])
                let here = cursor.index
                if !cursor.enter(key) {
                    // `{"value": {…}}` on the way: look inside its value.
                    cursor.index = here
                    guard ("value" as StaticString).withUTF8Buffer({ cursor.enter($0) }), cursor.enter(key) else { return false }
                }
                start = end + 1
            }
            return true
        }
        guard found, var field = cursor.field() else { return nil }
        if field.kind == .object, let inner = field["value"] { field = inner }
        return field
    }

    /// The value at `path` inside this object or array (see ``find(_:in:)``).
    public subscript(_ path: String) -> JSONField? { Self.find(path, in: text) }

    /// The string, unescaped; nil when the value is not a string.
    public var string: String? {
        guard kind == .string else { return nil }
        var cursor = JSONParser.Cursor(bytes)
        return try? cursor.string()
    }

    /// A string unescaped, or a number or boolean as written; nil for null, objects and arrays.
    public var scalarText: String? {
        switch kind {
        case .string: string
        case .number, .bool: String(decoding: bytes, as: UTF8.self)
        case .null, .object, .array: nil
        }
    }

    /// An integer number that fits 64 bits, exactly; nil for other numbers and other kinds.
    public var int64: Int64? {
        guard kind == .number else { return nil }
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }  // a fraction or exponent
            let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowTimes, !overflowSum else { return nil }
            magnitude = sum
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A number as the nearest `Double`; nil for other kinds.
    public var double: Double? { kind == .number ? Double(String(decoding: bytes, as: UTF8.self)) : nil }

    /// A boolean; nil for other kinds.
    public var bool: Bool? { kind == .bool ? bytes.first == UInt8(ascii: "t") : nil }

    /// Whether the value is `null`.
    public var isNull: Bool { kind == .null }

    /// Appends the value's JSON text, as written, to `output` (it is valid JSON on its own).
    public func appendJSON(to output: inout [UInt8]) { output.append(contentsOf: bytes) }

    private var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.baseAddress?.assumingMemoryBound(to: UInt8.self), count: text.count)
    }
}

extension JSONParser.Cursor {
    /// Moves from an object to the value of its member `key`, or from an array to its item
    /// `key` (decimal, from 0). False when there is none or the text is not JSON.
    mutating func enter(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        switch current {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            guard current != UInt8(ascii: "}") else { return false }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\""), let matches = try? keyEquals(key) else { return false }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                if matches { return true }
                guard (try? skipValue(depth: 1)) != nil else { return false }
                skipWhitespace()
                guard current == UInt8(ascii: ",") else { return false }
                index += 1
            }
        case UInt8(ascii: "["):
            guard let position = Self.decimal(key) else { return false }
            index += 1
            skipWhitespace()
            guard current != UInt8(ascii: "]") else { return false }
            for _ in 0..<position {
                guard (try? skipValue(depth: 1)) != nil else { return false }
                skipWhitespace()
                guard current == UInt8(ascii: ",") else { return false }
                index += 1
                skipWhitespace()
            }
            return true
        default:
            return false
        }
    }

    /// The value at the cursor as a field; nil when it is not JSON.
    mutating func field() -> JSONField? {
        let start = index
        let kind: JSONField.Kind
        switch current {
        case UInt8(ascii: "\""): kind = .string
        case UInt8(ascii: "{"): kind = .object
        case UInt8(ascii: "["): kind = .array
        case UInt8(ascii: "t"), UInt8(ascii: "f"): kind = .bool
        case UInt8(ascii: "n"): kind = .null
        case .some(UInt8(ascii: "-")), .some(UInt8(ascii: "0")...UInt8(ascii: "9")): kind = .number
        default: return nil
        }
        guard (try? skipValue(depth: 0)) != nil, let base = bytes.baseAddress else { return nil }
        return JSONField(kind: kind, text: UnsafeRawBufferPointer(start: base + start, count: index - start))
    }

    /// Reads the string key at the cursor and says whether it is `key`; compares bytes and
    /// copies nothing unless the key holds escapes.
    mutating func keyEquals(_ key: UnsafeBufferPointer<UInt8>) throws(JSONParser.Failure) -> Bool {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return UnsafeBufferPointer(rebasing: bytes[start..<end]).elementsEqual(key)
        }
        return try string() == String(decoding: key, as: UTF8.self)
    }

    /// `text` as a non-negative decimal integer, or nil.
    static func decimal(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !text.isEmpty, text.count <= 9 else { return nil }
        var value = 0
        for byte in text {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
