import AcuhookInbound

/// Reading `server.limits`, `admin.limits` and the `tls` blocks of both listeners.
extension ConfigurationLoader {
    static let limitKeys = [
        "header_timeout", "body_timeout", "min_body_rate", "min_body_rate_grace", "idle_timeout", "tls_handshake_timeout",
        "max_connections_per_client", "max_connections_per_proxy", "max_connections", "backlog", "max_head_size", "max_header_fields",
    ]

    /// A listener's limits: `defaults` with the keys given.
    static func limits(_ node: ConfigNode, defaults: ConnectionLimits) throws(ConfigurationError) -> ConnectionLimits {
        let keys = try node.mapping(allowed: limitKeys)
        var limits = defaults
        if let n = keys["header_timeout"] { limits.headerTimeout = try n.duration() }
        if let n = keys["body_timeout"] { limits.bodyTimeout = try n.duration() }
        if let n = keys["min_body_rate"] { limits.minBodyRate = try n.int(in: 0...(1 << 30)) }
        if let n = keys["min_body_rate_grace"] { limits.minBodyRateGrace = try n.duration(allowingZero: true) }
        if let n = keys["idle_timeout"] { limits.idleTimeout = try n.duration() }
        if let n = keys["tls_handshake_timeout"] { limits.tlsHandshakeTimeout = try n.duration() }
        if let n = keys["max_connections_per_client"] { limits.maxConnectionsPerClient = try n.int(in: 1...1_000_000) }
        if let n = keys["max_connections_per_proxy"] { limits.maxConnectionsPerProxy = try n.int(in: 1...1_000_000) }
        if let n = keys["max_connections"] { limits.maxConnections = try n.int(in: 1...1_000_000) }
        if let n = keys["backlog"] { limits.backlog = try n.int(in: 16...65_535) }
        // At least 1 KiB: a real request head (Acumatica's carries a dozen fields) fits in well under it.
        if let n = keys["max_head_size"] { limits.maxHeadSize = try n.int(in: 1024...(1 << 20)) }
        if let n = keys["max_header_fields"] { limits.maxHeaderFields = try n.int(in: 16...10_000) }
        return limits
    }

    /// A `tls` block: the certificate chain and key files, both required.
    static func tls(_ node: ConfigNode, baseDirectory: String) throws(ConfigurationError) -> (certificate: String, key: String) {
        let tls = try node.mapping(allowed: ["certificate", "key"])
        guard let certificate = tls["certificate"], let key = tls["key"] else {
            throw node.error("tls needs both 'certificate' and 'key' (PEM files)")
        }
        return (resolve(try certificate.nonEmptyString(), baseDirectory), resolve(try key.nonEmptyString(), baseDirectory))
    }
}
