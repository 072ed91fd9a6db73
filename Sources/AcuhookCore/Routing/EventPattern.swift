/// A pattern that selects event types: an exact type (`Customer.Updated`), every action of one
/// entity (`SalesOrder.*`), one action of every entity (`*.Deleted`), or everything (`*`).
///
/// Event types have the form `Entity.Action`. A prefix pattern `A.*` matches every type that
/// starts with `A.`; a suffix pattern `*.B` matches every type that ends with `.B`.
public enum EventPattern: Sendable, Hashable, CustomStringConvertible {
    /// Matches one event type exactly (case-sensitive, as Acumatica names them).
    case exact(String)
    /// `Entity.*`: matches types starting with the associated prefix, which includes the dot.
    case prefix(String)
    /// `*.Action`: matches types ending with the associated suffix, which includes the dot.
    case suffix(String)
    /// `*`: matches every event type.
    case any

    /// Parses a pattern as written in configuration or a plugin's subscriptions.
    /// - Throws: ``EventPatternError`` when the text is empty, has spaces, or puts `*` anywhere
    ///   other than the whole pattern, the whole part after the last dot, or the whole part before
    ///   the first dot.
    public init(parsing text: String) throws(EventPatternError) {
        guard !text.isEmpty else { throw EventPatternError(pattern: text, reason: "is empty") }
        guard !text.contains(where: { $0.isWhitespace }) else {
            throw EventPatternError(pattern: text, reason: "contains white space")
        }
        if text == "*" {
            self = .any
            return
        }
        let stars = text.filter { $0 == "*" }.count
        if stars == 0 {
            guard EventTypeName.isValid(text) else {
                throw EventPatternError(pattern: text, reason: "is not of the form Entity.Action")
            }
            self = .exact(text)
        } else if stars == 1, text.hasSuffix(".*"), text.count > 2 {
            self = .prefix(String(text.dropLast()))
        } else if stars == 1, text.hasPrefix("*."), text.count > 2 {
            self = .suffix(String(text.dropFirst()))
        } else {
            throw EventPatternError(
                pattern: text,
                reason: "uses '*' other than as '*', 'Entity.*' or '*.Action'"
            )
        }
    }

    /// Whether `eventType` matches this pattern.
    public func matches(_ eventType: String) -> Bool {
        switch self {
        case .exact(let type): eventType == type
        case .prefix(let prefix): eventType.hasPrefix(prefix) && eventType.count > prefix.count
        case .suffix(let suffix): eventType.hasSuffix(suffix) && eventType.count > suffix.count
        case .any: true
        }
    }

    /// The pattern as written (`SalesOrder.*`).
    public var description: String {
        switch self {
        case .exact(let type): type
        case .prefix(let prefix): prefix + "*"
        case .suffix(let suffix): "*" + suffix
        case .any: "*"
        }
    }
}

/// A pattern that could not be parsed.
public struct EventPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public var pattern: String
    /// Why it was refused, as a phrase ("is empty").
    public var reason: String

    /// "event pattern 'X' <reason>".
    public var description: String { "event pattern '\(pattern)' \(reason)" }
}
