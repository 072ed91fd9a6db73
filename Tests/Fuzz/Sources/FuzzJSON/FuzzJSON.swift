import FuzzDriver
import AcuhookCore
import Foundation
import AcuhookJSON

// Differential target: Acuhook's JSONParser against Foundation's JSONSerialization on the same
// bytes. Both must accept or both reject, and accepted texts must give the same values.
// `JSONParser.parseObject(_:keeping:)` (the receive path's guide-format reader) must agree with
// `parse`. Where Foundation is knowingly more lenient than RFC 8259, reads bytes as another
// encoding, or loses a character, the difference is allowed and named below.

/// The property check for one input.
func checkJSON(_ bytes: [UInt8]) {
    let ours = Result { () throws(JSONParser.Failure) in try JSONParser.parse(bytes) }
    checkParseObject(bytes, against: ours)
    checkFields(bytes, against: ours)

    // JSONParser expects UTF-8 (callers validate it first, as DeliveryNormalizer does); Foundation
    // also reads UTF-16 and UTF-32 (detected from NUL bytes at the start) and skips a byte-order mark.
    guard String(validating: bytes, as: UTF8.self) != nil, !bytes.prefix(4).contains(0), !bytes.starts(with: [0xEF, 0xBB, 0xBF]) else {
        return
    }
    let theirs = Result { try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
    switch (ours, theirs) {
    case (.success(let value), .success(let reference)):
        guard same(value, reference) else { fuzzFailure(bytes, "values differ: ours \(value), Foundation \(reference)") }
    case (.failure(let failure), .success):
        guard foundationIsLenient(bytes, failure) else { fuzzFailure(bytes, "JSONParser rejects (\(failure.reason) at \(failure.offset)), Foundation accepts") }
    case (.success(let value), .failure(let error)):
        fuzzFailure(bytes, "JSONParser accepts \(value), Foundation rejects: \(error)")
    case (.failure, .failure):
        break
    }
}

/// Known leniency of Foundation's reader: a trailing comma before `]` or `}` (RFC 8259 has none),
/// and nesting deeper than JSONParser's limit (128; Foundation allows 512).
func foundationIsLenient(_ bytes: [UInt8], _ failure: JSONParser.Failure) -> Bool {
    if failure.reason.hasPrefix("nesting") { return true }
    guard failure.offset < bytes.count, bytes[failure.offset] == UInt8(ascii: "]") || bytes[failure.offset] == UInt8(ascii: "}") else { return false }
    let before = bytes[..<failure.offset].last { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
    return before == UInt8(ascii: ",")
}

/// `parseObject` accepts exactly what `parse` accepts, returns nil exactly for non-objects, and
/// its kept members equal the full parse's.
func checkParseObject(_ bytes: [UInt8], against whole: Result<JSONValue, JSONParser.Failure>) {
    let keep: Set<String> = ["eventType", "a", "data", ""]
    let partial = Result { () throws(JSONParser.Failure) in try JSONParser.parseObject(bytes, keeping: keep) }
    switch (whole, partial) {
    case (.success(.object(let members)), .success(.some(let kept))):
        let expected = members.filter { keep.contains($0.key) }
        guard kept == expected else { fuzzFailure(bytes, "parseObject kept \(kept), parse gives \(expected)") }
    case (.success(.object), .success(nil)):
        fuzzFailure(bytes, "parseObject says not an object")
    case (.success(.object), .failure(let failure)):
        fuzzFailure(bytes, "parseObject rejects (\(failure.reason)) what parse accepts")
    case (.success, .success(nil)), (.failure, .failure):
        break
    case (.success(let value), let other):
        fuzzFailure(bytes, "parse gives the non-object \(value), parseObject \(other)")
    case (.failure(let failure), .success(let kept)):
        fuzzFailure(bytes, "parse rejects (\(failure.reason)), parseObject accepts \(String(describing: kept))")
    }
}

/// Whether JSONParser's value equals what JSONSerialization returned.
func same(_ value: JSONValue, _ reference: Any) -> Bool {
    switch value {
    case .null:
        return reference is NSNull
    case .bool(let flag):
        guard let number = reference as? NSNumber, String(cString: number.objCType) == "c" else { return false }
        return number.boolValue == flag
    case .integer(let integer):
        guard let number = reference as? NSNumber, String(cString: number.objCType) != "c" else { return false }
        if number is NSDecimalNumber { return number.decimalValue == Decimal(integer) }
        return number.int64Value == integer && number.doubleValue == Double(integer)
    case .double(let double):
        guard let number = reference as? NSNumber, String(cString: number.objCType) != "c" else { return false }
        if number is NSDecimalNumber {
            // Decimal → Double is not correctly rounded; agree to 12 significant digits.
            return abs(number.doubleValue - double) <= abs(double) * 1e-12
        }
        return number.doubleValue == double
    case .string(let text):
        guard let string = reference as? String else { return false }
        // Foundation drops a U+FEFF that opens a string or follows an escape (it reads each run
        // as if a byte-order mark could start it); JSONParser keeps every character.
        return Array(text.utf8) == Array(string.utf8) || withoutBOM(text) == withoutBOM(string)
    case .array(let items):
        guard let array = reference as? [Any], array.count == items.count else { return false }
        return zip(items, array).allSatisfy { same($0, $1) }
    case .object(let members):
        guard let object = reference as? [String: Any], object.count == members.count else { return false }
        // Keys too may have lost a U+FEFF on Foundation's side (see `.string`).
        let theirs = Dictionary(object.map { (withoutBOM($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        return members.allSatisfy { key, member in (object[key] ?? theirs[withoutBOM(key)]).map { same(member, $0) } ?? false }
    }
}

/// The text without U+FEFF.
func withoutBOM(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: text.unicodeScalars.lazy.filter { $0 != "\u{FEFF}" })
    return String(scalars)
}
