import AcuhookCore
import Foundation
import Yams

/// A YAML node together with where it is (file, key path, line), so every value read from it can
/// fail with an error that points at the right place.
struct ConfigNode {
    let node: Node
    let file: String
    let key: String

    func error(_ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node.mark?.line, column: node.mark?.column, key: key, message: message)
    }

    private func child(_ node: Node, _ name: String) -> ConfigNode {
        ConfigNode(node: node, file: file, key: key.isEmpty ? name : "\(key).\(name)")
    }

    /// What the node is, for "found …" in messages.
    var found: String {
        switch node {
        case .scalar(let scalar): scalar.string.isEmpty ? "an empty value" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The resolved YAML tag (`int`, `float`, `bool`, `null`, `str`…).
    var tagName: Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    var isNull: Bool {
        guard case .scalar = node else { return false }
        return tagName == .null
    }

    /// The entries of a mapping. Unknown keys are errors that list the allowed ones.
    func mapping(allowed: [String]) throws(ConfigurationError) -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(found)") }
        var entries: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error("expected text keys, found a \(keyNode)") }
            let name = scalar.string
            guard allowed.contains(name) else {
                let near = ConfigNode(node: keyNode, file: file, key: key)
                throw near.error("unknown key '\(name)'; expected one of: \(allowed.joined(separator: ", "))")
            }
            guard entries[name] == nil else { throw child(keyNode, name).error("key given twice") }
            entries[name] = child(value, name)
        }
        return entries
    }

    func sequence() throws(ConfigurationError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(found)") }
        return sequence.enumerated().map { index, item in
            ConfigNode(node: item, file: file, key: "\(key)[\(index)]")
        }
    }

    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected text, found \(found)") }
        return scalar.string
    }

    func nonEmptyString() throws(ConfigurationError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw error("expected non-empty text") }
        return text
    }

    func int(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard tagName == .int, let value = node.int else { throw error("expected a whole number, found \(found)") }
        guard range.contains(value) else { throw error("expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(value)") }
        return value
    }

    func double(in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard [.int, .float].contains(tagName), let value = node.float, value.isFinite else {
            throw error("expected a number, found \(found)")
        }
        guard range.contains(value) else { throw error("expected a number from \(range.lowerBound) to \(range.upperBound), found \(value)") }
        return value
    }

    func bool() throws(ConfigurationError) -> Bool {
        guard tagName == .bool, let value = node.bool else { throw error("expected true or false, found \(found)") }
        return value
    }

    func duration(allowingZero: Bool = false) throws(ConfigurationError) -> Duration {
        guard case .scalar(let scalar) = node, let value = DurationText.parse(scalar.string), value > .zero || (allowingZero && value == .zero) else {
            throw error("expected a \(allowingZero ? "non-negative" : "positive") duration such as 250ms, 5s, 2m, 1h or 3d (at most 100 years), found \(found)")
        }
        return value
    }

    /// Text with `${NAME}` replaced by the environment variable NAME (for secrets kept out of the
    /// file). A variable that is not set is an error.
    func expandedString(environment: [String: String]) throws(ConfigurationError) -> String {
        switch EnvironmentText.expand(try string(), environment: environment) {
        case .success(let text): return text
        case .failure(let missing): throw error("environment variable \(missing.name) is not set")
        }
    }

    /// A list of strings, or one string taken as a list of one.
    func stringList(environment: [String: String]? = nil) throws(ConfigurationError) -> [String] {
        let items: [ConfigNode]
        if case .sequence = node { items = try sequence() } else { items = [self] }
        var values: [String] = []
        for item in items {
            if let environment {
                values.append(try item.expandedString(environment: environment))
            } else {
                values.append(try item.string())
            }
        }
        return values
    }

    func patterns() throws(ConfigurationError) -> [EventPatternText] {
        var patterns: [EventPatternText] = []
        for item in try sequence() { patterns.append(EventPatternText(text: try item.nonEmptyString(), node: item)) }
        return patterns
    }

    /// Any YAML value as JSON bytes (mappings need text keys; timestamps stay text). With an
    /// environment, `${NAME}` in strings is replaced as in ``expandedString(environment:)``.
    func json(environment: [String: String]? = nil) throws(ConfigurationError) -> [UInt8] {
        let value = try jsonValue(environment: environment)
        do {
            return Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]))
        } catch {
            throw self.error("cannot be expressed as JSON: \(error)")
        }
    }

    private func jsonValue(environment: [String: String]?) throws(ConfigurationError) -> Any {
        switch node {
        case .scalar(let scalar):
            switch tagName {
            case .null: return NSNull()
            case .bool: return node.bool ?? scalar.string
            case .int: return node.int ?? scalar.string
            case .float:
                guard let value = node.float, value.isFinite else { throw error("JSON has no infinity or NaN") }
                return value
            default: return try environment.map { environment throws(ConfigurationError) in try expandedString(environment: environment) } ?? scalar.string
            }
        case .sequence:
            var items: [Any] = []
            for item in try sequence() { items.append(try item.jsonValue(environment: environment)) }
            return items
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (keyNode, value) in mapping {
                guard case .scalar(let name) = keyNode else { throw error("JSON object keys must be text") }
                object[name.string] = try child(value, name.string).jsonValue(environment: environment)
            }
            return object
        case .alias:
            throw error("aliases are not supported here")
        }
    }
}

/// A pattern's text and where it was written, parsed later with the right error location.
struct EventPatternText {
    let text: String
    let node: ConfigNode
}
