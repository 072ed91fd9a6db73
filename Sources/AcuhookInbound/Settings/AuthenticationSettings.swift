/// A source's authentication scheme and its secrets, as configured. Fails closed: a scheme needs
/// at least one non-empty secret, and `none` must be written explicitly.
public enum AuthenticationSettings: Sendable, Equatable {
    /// `hmac-sha256`: `<header>: sha256=<hex HMAC of the raw body>`.
    case hmacSHA256(header: String, secrets: [String])
    /// `standard-webhooks`: `webhook-id/-timestamp/-signature`, `whsec_` secrets.
    case standardWebhooks(secrets: [String], tolerance: Duration)
    /// `header-secret`: one admin-chosen header and value (Acumatica push notifications).
    case headerSecret(header: String, values: [String])
    /// `bearer`: `Authorization: Bearer <token>`.
    case bearer(tokens: [String])
    /// `basic`: `Authorization: Basic <user:password>`.
    case basic(credentials: [String])
    /// `none`: no check at all (a warning is logged at start).
    case none

    /// The configuration name of the scheme.
    public var scheme: String {
        switch self {
        case .hmacSHA256: "hmac-sha256"
        case .standardWebhooks: "standard-webhooks"
        case .headerSecret: "header-secret"
        case .bearer: "bearer"
        case .basic: "basic"
        case .none: "none"
        }
    }

    /// Every scheme name, for configuration errors.
    public static let schemes = ["hmac-sha256", "standard-webhooks", "header-secret", "bearer", "basic", "none"]

    /// The secrets in use (empty for `none`).
    public var secrets: [String] {
        switch self {
        case .hmacSHA256(_, let s), .standardWebhooks(let s, _), .headerSecret(_, let s), .bearer(let s), .basic(let s): s
        case .none: []
        }
    }

    /// Builds the authenticator.
    /// - Throws: An error describing a secret that cannot be used.
    public func makeAuthenticator() throws -> any DeliveryAuthenticator {
        switch self {
        case .hmacSHA256(let header, let secrets): HMACSignatureAuthenticator(header: header, secrets: secrets)
        case .standardWebhooks(let secrets, let tolerance): try StandardWebhooksAuthenticator(secrets: secrets, tolerance: tolerance)
        case .headerSecret(let header, let values): HeaderSecretAuthenticator.headerSecret(header: header, values: values)
        case .bearer(let tokens): HeaderSecretAuthenticator.bearer(tokens: tokens)
        case .basic(let credentials): HeaderSecretAuthenticator.basic(credentials: credentials)
        case .none: NoAuthenticator()
        }
    }
}
