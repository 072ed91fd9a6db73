/// Where and how the HTTP receiver listens.
public struct ServerSettings: Sendable, Equatable {
    /// Address to bind. Default `127.0.0.1` (loopback only: safe until configured otherwise).
    public var host = "127.0.0.1"
    /// Port. Default 8080.
    public var port = 8080
    /// Largest body accepted, in bytes. Default 1 MiB (push notifications approach 500,000 characters).
    public var maxBodySize = 1 << 20
    /// Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed (CIDR ranges). Default none.
    public var trustedProxies: [CIDRRange] = []
    /// TLS certificate chain (PEM) and private key (PEM); both or neither. Default none (plain HTTP).
    public var tlsCertificate: String? = nil, tlsKey: String? = nil
    /// Whether `POST /webhooks/test` is enabled. Default false.
    public var testEndpointEnabled = false
    /// The source whose authentication the test endpoint uses. Default `acumatica`.
    public var testEndpointSource = "acumatica"

    /// The defaults.
    public init() {}
}

/// The durable store.
public struct StoreSettings: Sendable, Equatable {
    /// The SQLite file. Default `./acuhook-data/acuhook.db`.
    public var path = "acuhook-data/acuhook.db"
    /// `full` (default, fsync every commit) or `normal` (survives a process crash, not power loss).
    public var synchronous = "full"
    /// How long idempotency keys are kept. Default 3 days (Acumatica resends for 2).
    public var idempotencyRetention: Duration = .seconds(3 * 86_400)
    /// How often expired keys are deleted. Default 10 minutes.
    public var sweepInterval: Duration = .seconds(600)
    /// Group commit window: after a commit that carried several writes, the next one waits up to
    /// this long for more to share it (a lone write never waits). `0s` disables. Default 500 µs.
    public var commitDelay: Duration = .microseconds(500)

    /// The defaults.
    public init() {}
}
