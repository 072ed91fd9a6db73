/// A configuration file that cannot be used: names the file, the place in it, the key and what
/// was expected.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// Line and column (1-based) of the offending value, when known.
    public var line: Int?, column: Int?
    /// The key path (`plugins[1].breaker.window`); empty for the whole file.
    public var key: String
    /// What was wrong or expected ("expected a duration such as 500ms, 5s or 2m").
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int? = nil, column: Int? = nil, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `file:line:column: key: message`.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}
