/// Why a delivery was not authenticated (always answered 401).
public struct AuthenticationFailure: Error, Sendable, Equatable {
    /// Stable codes for the JSON error body and logs.
    public enum Code: String, Sendable {
        /// The signature or credential header is absent.
        case missingCredentials = "missing_credentials"
        /// The header is present but malformed (not `sha256=<hex>`, not `v1,<base64>`…).
        case malformedCredentials = "malformed_credentials"
        /// No configured secret matches.
        case invalidSignature = "invalid_signature"
        /// The signed timestamp is outside the tolerance.
        case staleTimestamp = "stale_timestamp"
    }

    /// Which failure.
    public var code: Code
    /// A message safe to return to the sender (never includes secrets).
    public var message: String

    /// Creates a failure.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
