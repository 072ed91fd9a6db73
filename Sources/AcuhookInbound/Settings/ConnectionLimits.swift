/// What one listener allows a connection: deadlines for each phase, caps on how many are open,
/// and how large a request head may be (`server.limits`, `admin.limits`).
///
/// A connection past a deadline is closed; one over a cap is closed at accept; a head over a
/// limit is answered 431. The defaults follow nginx (`client_header_timeout`,
/// `keepalive_timeout`) and Kestrel (minimum body data rate).
public struct ConnectionLimits: Sendable, Equatable {
    /// How long a request head may take to arrive in full, from the connection's start (after
    /// the TLS handshake) or from its first byte on a kept-alive connection. Default 10 s.
    public var headerTimeout: Duration = .seconds(10)
    /// How long a request body may take to arrive in full, from the end of its head. Default 30 s.
    public var bodyTimeout: Duration = .seconds(30)
    /// The slowest average a body may arrive at once ``minBodyRateGrace`` has passed, in bytes
    /// per second; 0 turns the check off. Default 240 (Kestrel's).
    public var minBodyRate = 240
    /// How long a body may arrive slower than ``minBodyRate`` before the rate is judged. Default 5 s.
    public var minBodyRateGrace: Duration = .seconds(5)
    /// How long a kept-alive connection may sit with no request and no answer owed. Default 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a TLS handshake may take. Default 10 s.
    public var tlsHandshakeTimeout: Duration = .seconds(10)
    /// Most connections open at once from one client (a TCP peer address; an IPv6 client by its
    /// /64). Default 64.
    public var maxConnectionsPerClient = 64
    /// Most connections open at once from one configured trusted proxy; nil: only
    /// ``maxConnections`` applies. Default nil.
    public var maxConnectionsPerProxy: Int? = nil
    /// Most connections open at once on the listener; nil: derived from the open-file limit at
    /// start (``derivedMaxConnections(openFileLimit:inUse:reserved:)``). Default nil.
    public var maxConnections: Int? = nil
    /// Connections the kernel may hold before they are accepted (the listen backlog; Linux caps
    /// it at `net.core.somaxconn`). A flood of connections refused at accept then costs a good
    /// client a wait in this queue, not a dropped SYN and a 1 s retransmission. Default 4096.
    public var backlog = 4096
    /// Largest request head (request line and header fields), in bytes. Default 16 KiB.
    public var maxHeadSize = 16 << 10
    /// Most header fields in one request head. Default 100.
    public var maxHeaderFields = 100

    /// The defaults.
    public init() {}

    /// The admin listener's defaults: the same deadlines and head limits, and room for a few
    /// operators (16 connections from one client, 64 in all).
    public static var admin: ConnectionLimits {
        var limits = ConnectionLimits()
        limits.maxConnectionsPerClient = 16
        limits.maxConnections = 64
        return limits
    }

    /// The most connections a derived ``maxConnections`` allows, whatever the open-file limit:
    /// past it memory, not descriptors, runs out first.
    public static let derivedCeiling = 16_384

    /// The default total cap: the descriptors the process may still open (`openFileLimit` less
    /// those `inUse` at start) less `reserved` for the store, plugins, their workers and the
    /// other listener; at least 16 and at most ``derivedCeiling``.
    public static func derivedMaxConnections(openFileLimit: Int, inUse: Int, reserved: Int) -> Int {
        min(derivedCeiling, max(16, openFileLimit - inUse - reserved))
    }
}
