import AcuhookJSON
/// A predicate on an event's normalised JSON, configured per route: only events it matches are
/// handed to the plugin; the others are marked skipped (`filtered`), never silently dropped.
///
/// Written in configuration as expressions — `data.OrderTotal >= 1000`, `data.Status == "Active"`,
/// `eventType in ["Customer.Inserted", "Customer.Updated"]`, `exists data.Email`,
/// `entityId matches "^CUST"` — combined with `all:`, `any:` and `not:`. Paths are dotted; a value
/// wrapped as `{"value": …}` (Acumatica's contract-based style) is unwrapped.
public indirect enum EventFilter: Sendable, Equatable, CustomStringConvertible {
    /// A comparison of the value at `path`.
    case compare(path: [String], op: Operator, value: JSONValue)
    /// `path in [v1, v2, …]`.
    case oneOf(path: [String], values: [JSONValue])
    /// `exists path`: present and not null.
    case exists(path: [String])
    /// `path matches "regex"` (on the value's text).
    case matches(path: [String], pattern: String)
    /// Every one holds.
    case all([EventFilter])
    /// At least one holds.
    case any([EventFilter])
    /// The inner one does not hold.
    case not(EventFilter)

    /// Comparison operators.
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"
    }

    /// A filter expression that could not be parsed.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The expression.
        public var expression: String
        /// What is wrong.
        public var reason: String
        /// "filter 'x': reason".
        public var description: String { "filter '\(expression)': \(reason)" }
    }

    /// Parses one expression (no `all`/`any`/`not`: those come from the configuration's structure).
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingSpaces
        func fail(_ reason: String) -> ParseError { ParseError(expression: text, reason: reason) }
        if trimmed.hasPrefix("exists ") {
            let path = String(trimmed.dropFirst(7)).trimmingSpaces
            guard !path.isEmpty, !path.contains(" "), let segments = Self.path(path) else { throw fail("expected 'exists <path>'") }
            self = .exists(path: segments)
            return
        }
        guard let space = trimmed.firstIndex(of: " ") else { throw fail("expected '<path> <operator> <value>'") }
        guard let path = Self.path(String(trimmed[..<space])) else { throw fail("expected a dotted path such as data.Status") }
        let rest = String(trimmed[space...]).trimmingSpaces
        if rest.hasPrefix("matches ") {
            guard case .string(let pattern) = JSONParser.parseLiteral(String(rest.dropFirst(8))) else {
                throw fail("expected 'matches \"<regex>\"'")
            }
            guard (try? Regex(pattern)) != nil else { throw fail("'\(pattern)' is not a valid regular expression") }
            self = .matches(path: path, pattern: pattern)
            return
        }
        if rest.hasPrefix("in ") {
            guard case .array(let values) = JSONParser.parseLiteral(String(rest.dropFirst(3))) else {
                throw fail("expected 'in [value, …]' with JSON values")
            }
            self = .oneOf(path: path, values: values)
            return
        }
        for op in Operator.allCases where rest.hasPrefix(op.rawValue + " ") || rest == op.rawValue {
            guard let value = JSONParser.parseLiteral(String(rest.dropFirst(op.rawValue.count))) else {
                throw fail("the value after \(op.rawValue) must be JSON: a number, \"text\", true, false or null")
            }
            self = .compare(path: path, op: op, value: value)
            return
        }
        throw fail("expected an operator: ==, !=, <, <=, >, >=, in, matches")
    }

    /// The segments of a dotted path, or nil when one is empty (`.`, `a..b`, `a.`).
    private static func path(_ text: String) -> [String]? {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !segments.contains(where: \.isEmpty) else { return nil }
        return segments.map(String.init)
    }

    /// Whether the event (its normalised JSON object) matches.
    public func matches(_ event: JSONValue) -> Bool {
        switch self {
        case .compare(let path, let op, let expected):
            guard let actual = Self.resolve(path, in: event) else { return op == .notEqual }
            return Self.compare(actual, op, expected)
        case .oneOf(let path, let values):
            guard let actual = Self.resolve(path, in: event) else { return false }
            return values.contains { Self.compare(actual, .equal, $0) }
        case .exists(let path):
            guard let actual = Self.resolve(path, in: event) else { return false }
            return actual != .null
        case .matches(let path, let pattern):
            guard let text = Self.resolve(path, in: event)?.scalarText, let regex = try? Regex(pattern) else { return false }
            return text.contains(regex)
        case .all(let filters): return filters.allSatisfy { $0.matches(event) }
        case .any(let filters): return filters.contains { $0.matches(event) }
        case .not(let filter): return !filter.matches(event)
        }
    }

    /// The value at `path`, with `{"value": …}` wrappers unwrapped.
    static func resolve(_ path: [String], in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        for key in path {
            current = unwrap(current)?[key]
        }
        return unwrap(current)
    }

    private static func unwrap(_ value: JSONValue?) -> JSONValue? {
        if case .object(let object) = value, object.count == 1, let inner = object["value"] { return inner }
        return value
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let n): Double(n)
        case .double(let d): d
        case .string(let s): Double(s.trimmingSpaces)
        default: nil
        }
    }

    private static func compare(_ actual: JSONValue, _ op: Operator, _ expected: JSONValue) -> Bool {
        // Numbers compare as numbers (numeric strings included: Acumatica sends both).
        if case .string = expected {} else if let a = number(actual), let b = number(expected) {
            switch op {
            case .equal: return a == b
            case .notEqual: return a != b
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            }
        }
        if case .string(let b) = expected, let a = actual.scalarText {
            let left = a.trimmingSpaces
            let right = b.trimmingSpaces
            switch op {
            case .equal: return left == right
            case .notEqual: return left != right
            case .less: return left < right
            case .lessOrEqual: return left <= right
            case .greater: return left > right
            case .greaterOrEqual: return left >= right
            }
        }
        switch op {
        case .equal: return actual == expected
        case .notEqual: return actual != expected
        default: return false
        }
    }

    /// The filter as written (`all`/`any`/`not` shown as functions).
    public var description: String {
        func path(_ p: [String]) -> String { p.joined(separator: ".") }
        func literal(_ v: JSONValue) -> String { String(decoding: v.encoded(), as: UTF8.self) }
        switch self {
        case .compare(let p, let op, let v): return "\(path(p)) \(op.rawValue) \(literal(v))"
        case .oneOf(let p, let values): return "\(path(p)) in \(literal(.array(values)))"
        case .exists(let p): return "exists \(path(p))"
        case .matches(let p, let pattern): return "\(path(p)) matches \(literal(.string(pattern)))"
        case .all(let filters): return "all(\(filters.map(\.description).joined(separator: ", ")))"
        case .any(let filters): return "any(\(filters.map(\.description).joined(separator: ", ")))"
        case .not(let filter): return "not(\(filter))"
        }
    }
}

extension JSONParser {
    /// A JSON literal written in a filter, or nil.
    static func parseLiteral(_ text: String) -> JSONValue? {
        try? parse(Array(text.trimmingSpaces.utf8))
    }
}

extension String {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
