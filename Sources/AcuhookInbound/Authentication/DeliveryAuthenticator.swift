/// Checks that a delivery comes from the configured sender. Implementations are pure: the time is
/// passed in, and all secret comparisons are constant-time.
public protocol DeliveryAuthenticator: Sendable {
    /// The scheme's configuration name (`hmac-sha256`, `standard-webhooks`, …).
    var scheme: String { get }

    /// Verifies `body` (the exact bytes received) and `headers` at `nowUnixSeconds`.
    /// - Returns: The index of the secret that matched (for rotation metrics).
    func authenticate(body: [UInt8], headers: DeliveryHeaders, nowUnixSeconds: Int64) throws(AuthenticationFailure) -> Int
}
