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
    /// TLS certificate chain (PEM) and private key (PEM); both or neither. Default none (plain
    /// HTTP). Re-read on SIGHUP and when the files change.
    public var tlsCertificate: String? = nil, tlsKey: String? = nil
    /// Deadlines, connection caps and head limits (`server.limits`). Default ``ConnectionLimits/init()``.
    public var limits = ConnectionLimits()
    /// Whether `POST /webhooks/test` is enabled. Default false.
    public var testEndpointEnabled = false
    /// The source whose authentication the test endpoint uses. Default `acumatica`.
    public var testEndpointSource = "acumatica"
    /// Whether `GET /health` carries the receiver's counters (`deliveriesProcessed`,
    /// `lastDeliveryAt`, `errors`, `uptimeSeconds`) on the public port. Default true.
    public var healthDetails = true
    /// At SIGTERM, how long plugin calls in flight may still finish before their jobs are given
    /// back to the store unattempted and the process exits. Default 30 s.
    public var shutdownGrace: Duration = .seconds(30)

    /// The defaults.
    public init() {}
}
