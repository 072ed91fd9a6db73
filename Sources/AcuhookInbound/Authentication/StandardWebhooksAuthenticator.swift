import Crypto
import Foundation

/// Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` (space-separated
/// list; any `v1` entry may match), secrets written `whsec_<base64 key>`.
public struct StandardWebhooksAuthenticator: DeliveryAuthenticator {
    /// `standard-webhooks`.
    public let scheme = "standard-webhooks"
    /// Largest accepted difference between `webhook-timestamp` and now, either way. Default 5 min.
    public let tolerance: Duration
    private let keys: [SymmetricKey]

    /// A secret that is not `whsec_<base64>`.
    public struct InvalidSecret: Error, CustomStringConvertible {
        /// Which secret (0-based) was invalid.
        public var index: Int
        /// "secret N is not whsec_<base64>".
        public var description: String { "secret \(index + 1) is not of the form whsec_<base64 key>" }
    }

    /// - Throws: ``InvalidSecret`` when a secret cannot be decoded.
    public init(secrets: [String], tolerance: Duration = .seconds(300)) throws {
        precondition(!secrets.isEmpty, "at least one secret is required")
        self.tolerance = tolerance
        self.keys = try secrets.enumerated().map { index, secret in
            guard let key = Self.key(secret) else { throw InvalidSecret(index: index) }
            return SymmetricKey(data: key)
        }
    }

    private static func key(_ secret: String) -> Data? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else { return nil }
        return data
    }

    /// Verifies the signature over `id.timestamp.body` and the timestamp's freshness.
    public func authenticate(body: [UInt8], headers: DeliveryHeaders, nowUnixSeconds: Int64) throws(AuthenticationFailure) -> Int {
        guard let id = headers["webhook-id"], let timestampText = headers["webhook-timestamp"], let signatures = headers["webhook-signature"] else {
            throw AuthenticationFailure(.missingCredentials, "missing webhook-id, webhook-timestamp or webhook-signature header")
        }
        guard let timestamp = Int64(timestampText.trimmingSpaces) else {
            throw AuthenticationFailure(.malformedCredentials, "webhook-timestamp must be whole seconds since the Unix epoch")
        }
        let skew = nowUnixSeconds > timestamp ? nowUnixSeconds - timestamp : timestamp - nowUnixSeconds
        guard skew <= tolerance.components.seconds else {
            throw AuthenticationFailure(.staleTimestamp, "webhook-timestamp is more than \(tolerance.components.seconds) s from the receiver's clock")
        }
        let candidates: [Data] = signatures.split(separator: " ").compactMap { entry in
            guard entry.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(entry.dropFirst(3)))
        }
        guard !candidates.isEmpty else {
            throw AuthenticationFailure(.malformedCredentials, "webhook-signature has no v1,<base64> entry")
        }
        let signed = Array("\(id).\(timestamp).".utf8) + body
        var matched: Int? = nil
        for (index, key) in keys.enumerated() {
            for candidate in candidates where HMAC<SHA256>.isValidAuthenticationCode(candidate, authenticating: signed, using: key) {
                matched = matched ?? index
            }
        }
        guard let matched else { throw AuthenticationFailure(.invalidSignature, "no webhook-signature entry matches") }
        return matched
    }

    /// The `webhook-signature` value for a delivery (used by `acuhook send` and tests).
    public static func sign(_ body: [UInt8], id: String, timestamp: Int64, secret: String) -> String? {
        guard let key = key(secret) else { return nil }
        let signed = Array("\(id).\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        return "v1," + Data(code).base64EncodedString()
    }
}
