/// One configured webhook source, answering at `POST /webhooks/<name>`.
public struct SourceSettings: Sendable, Equatable {
    /// The path segment (`acumatica`). `test` is reserved for the test endpoint.
    public var name: String
    /// Authentication scheme and secrets. Required.
    public var authentication: AuthenticationSettings
    /// How bodies are read (format, push-notification routes, Standard Webhooks fields).
    public var normalizer = NormalizerSettings()
    /// Addresses allowed to deliver; empty (default) allows all.
    public var allow: [CIDRRange] = []
    /// Limit for the whole source; nil (default) is unlimited.
    public var rateLimit: RateLimit? = nil
    /// Limit per client address; nil (default) is unlimited.
    public var perClientRateLimit: RateLimit? = nil
    /// Largest body accepted; nil uses the server's `max_body_size`.
    public var maxBodySize: Int? = nil

    /// A source with defaults.
    public init(name: String, authentication: AuthenticationSettings) {
        self.name = name
        self.authentication = authentication
    }
}
