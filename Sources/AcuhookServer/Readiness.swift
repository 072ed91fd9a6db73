/// The answer of `GET /ready`: each check's name and state, and facts that do not decide
/// readiness but that an operator should see (a certificate that failed to reload while the
/// previous one is still served).
public struct Readiness: Sendable, Equatable {
    /// Whether every check passed.
    public var ready: Bool
    /// Check name → `ok` or what is wrong.
    public var checks: [String: String]
    /// Name → what to know; empty when there is nothing to say.
    public var details: [String: String]

    /// Creates a report.
    public init(ready: Bool, checks: [String: String], details: [String: String] = [:]) {
        self.ready = ready
        self.checks = checks
        self.details = details
    }
}
