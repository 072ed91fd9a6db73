/// Why the application (or a command's store) cannot start: a message that names what is wrong
/// and what to do.
public struct ApplicationError: Error, CustomStringConvertible, Sendable {
    /// The message.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
