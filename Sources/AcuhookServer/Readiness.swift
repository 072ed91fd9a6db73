/// The answer of `GET /ready`: each check's name and state.
public struct Readiness: Sendable, Equatable {
    /// Whether every check passed.
    public var ready: Bool
    /// Check name → `ok` or what is wrong.
    public var checks: [String: String]

    /// Creates a report.
    public init(ready: Bool, checks: [String: String]) {
        self.ready = ready
        self.checks = checks
    }
}
