import Foundation

/// A credential carried whole in one header, compared in constant time: an admin-chosen header
/// and value (real Acumatica push notifications), `Authorization: Bearer <token>`, or
/// `Authorization: Basic <base64 user:password>`.
public struct HeaderSecretAuthenticator: DeliveryAuthenticator {
    /// `header-secret`, `bearer` or `basic`.
    public let scheme: String
    /// The header carrying the credential.
    public let header: String
    private let expected: [[UInt8]]
    private let prefix: String?

    /// `header-secret`: `header` must equal one of `values` exactly.
    public static func headerSecret(header: String, values: [String]) -> HeaderSecretAuthenticator {
        HeaderSecretAuthenticator(scheme: "header-secret", header: header, prefix: nil, expected: values)
    }

    /// `bearer`: `Authorization: Bearer <one of tokens>` (the word `Bearer` in any case).
    public static func bearer(tokens: [String]) -> HeaderSecretAuthenticator {
        HeaderSecretAuthenticator(scheme: "bearer", header: "Authorization", prefix: "bearer ", expected: tokens)
    }

    /// `basic`: `Authorization: Basic <base64 of one of "user:password">`.
    public static func basic(credentials: [String]) -> HeaderSecretAuthenticator {
        HeaderSecretAuthenticator(
            scheme: "basic",
            header: "Authorization",
            prefix: "basic ",
            expected: credentials.map { Data($0.utf8).base64EncodedString() }
        )
    }

    private init(scheme: String, header: String, prefix: String?, expected: [String]) {
        precondition(!expected.isEmpty, "at least one secret is required")
        self.scheme = scheme
        self.header = header
        self.prefix = prefix
        self.expected = expected.map { Array($0.utf8) }
    }

    /// Accepts when the header's credential equals one of the configured ones.
    public func authenticate(body: [UInt8], headers: DeliveryHeaders, nowUnixSeconds: Int64) throws(AuthenticationFailure) -> Int {
        guard let value = headers[header] else {
            throw AuthenticationFailure(.missingCredentials, "missing \(header) header")
        }
        var credential = value.trimmingSpaces
        if let prefix {
            guard credential.lowercased().hasPrefix(prefix) else {
                throw AuthenticationFailure(.malformedCredentials, "\(header) must use the \(prefix.trimmingSpaces.capitalized) scheme")
            }
            credential = String(credential.dropFirst(prefix.count)).trimmingSpaces
        }
        var matched: Int? = nil
        for (index, candidate) in expected.enumerated() where ConstantTime.equals(credential.utf8, candidate) {
            matched = matched ?? index
        }
        guard let matched else { throw AuthenticationFailure(.invalidSignature, "\(header) does not carry a valid credential") }
        return matched
    }
}

/// No authentication at all: only when a source says `scheme: none` explicitly (logged as a
/// warning at start-up).
public struct NoAuthenticator: DeliveryAuthenticator {
    /// `none`.
    public let scheme = "none"

    /// Creates it.
    public init() {}

    /// Accepts everything.
    public func authenticate(body: [UInt8], headers: DeliveryHeaders, nowUnixSeconds: Int64) throws(AuthenticationFailure) -> Int { 0 }
}
