/// Where the admin API listens and how it is protected.
///
/// The admin API has its own listener, so the webhook port can face the internet while the admin
/// port stays on loopback. Bound anywhere but loopback it requires a bearer token (start-up fails
/// closed without one); with a token set, every request must carry it, loopback or not.
public struct AdminSettings: Sendable, Equatable {
    /// Whether the admin API runs. Default true.
    public var enabled = true
    /// Address to bind. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port; nil means 8081, or an ephemeral port when the receiver's own port is 0 (tests).
    public var port: Int? = nil
    /// Bearer token (`Authorization: Bearer <token>`); required unless ``host`` is loopback.
    public var token: String? = nil
    /// Whether metrics are collected and served at `GET /metrics` on this listener. Default true.
    public var metrics = true
    /// TLS certificate chain (PEM) and private key (PEM); both or neither. Default none (plain
    /// HTTP). Re-read on SIGHUP and when the files change.
    public var tlsCertificate: String? = nil, tlsKey: String? = nil
    /// Deadlines, connection caps and head limits (`admin.limits`). Default ``ConnectionLimits/admin``.
    public var limits = ConnectionLimits.admin

    /// The defaults.
    public init() {}

    /// The port to bind given the receiver's port.
    public func resolvedPort(serverPort: Int) -> Int {
        port ?? (serverPort == 0 ? 0 : 8081)
    }

    /// Whether `host` names only the local machine (`localhost`, 127.0.0.0/8, `::1`).
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        return host.hasPrefix("127.") && IPAddress(host) != nil
    }
}
