/// The store could not do what was asked. Nothing was half-written.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// Kinds of failure.
    public enum Code: String, Sendable {
        /// Cannot open, read or write the database (disk full, read-only, locked too long…).
        case unavailable
        /// The database file is not usable (wrong schema, corrupt).
        case invalid
    }

    /// Which kind.
    public var code: Code
    /// What happened.
    public var message: String
    /// The underlying error.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// "message: underlying".
    public var description: String { underlying.map { "\(message): \($0)" } ?? message }
}
