import AcuhookCore
import AcuhookInbound
import AcuhookStore
import Foundation

/// Reading the `server`, `store` and `sources` sections.
extension ConfigurationLoader {
    static let serverKeys = ["host", "port", "max_body_size", "trusted_proxies", "tls", "limits", "test_endpoint", "health_details", "shutdown_grace"]
    static let storeKeys = ["path", "url", "synchronous", "idempotency_retention", "sweep_interval", "commit_delay", "retention", "max_size"]
    static let sourceKeys = [
        "name", "format", "auth", "allow", "rate_limit", "max_body_size", "push_routes", "event_type_field", "entity_id_field",
    ]
    static let authKeys = ["scheme", "header", "secrets", "secret", "tolerance"]

    static func server(_ node: ConfigNode, baseDirectory: String) throws(ConfigurationError) -> ServerSettings {
        let keys = try node.mapping(allowed: serverKeys)
        var server = ServerSettings()
        if let n = keys["host"] { server.host = try n.nonEmptyString() }
        if let n = keys["port"] { server.port = try n.int(in: 0...65_535) }
        if let n = keys["max_body_size"] { server.maxBodySize = try n.int(in: 1...(256 << 20)) }
        if let n = keys["trusted_proxies"] { server.trustedProxies = try ranges(n) }
        if let n = keys["tls"] { (server.tlsCertificate, server.tlsKey) = try tls(n, baseDirectory: baseDirectory) }
        if let n = keys["limits"] { server.limits = try limits(n, defaults: server.limits) }
        if let n = keys["health_details"] { server.healthDetails = try n.bool() }
        if let n = keys["shutdown_grace"] { server.shutdownGrace = try n.duration(allowingZero: true) }
        if let n = keys["test_endpoint"] {
            let test = try n.mapping(allowed: ["enabled", "source"])
            if let e = test["enabled"] { server.testEndpointEnabled = try e.bool() }
            if let s = test["source"] { server.testEndpointSource = try s.nonEmptyString() }
        }
        return server
    }

    static func admin(_ node: ConfigNode, baseDirectory: String, environment: [String: String]) throws(ConfigurationError) -> AdminSettings {
        let keys = try node.mapping(allowed: ["enabled", "host", "port", "token", "metrics", "tls", "limits"])
        var admin = AdminSettings()
        if let n = keys["enabled"] { admin.enabled = try n.bool() }
        if let n = keys["host"] { admin.host = try n.nonEmptyString() }
        if let n = keys["port"] { admin.port = try n.int(in: 0...65_535) }
        if let n = keys["metrics"] { admin.metrics = try n.bool() }
        if let n = keys["tls"] { (admin.tlsCertificate, admin.tlsKey) = try tls(n, baseDirectory: baseDirectory) }
        if let n = keys["limits"] { admin.limits = try limits(n, defaults: admin.limits) }
        if let n = keys["token"] {
            let token = try n.expandedString(environment: environment)
            guard token.count >= 16 else { throw n.error("the admin token must be at least 16 characters") }
            admin.token = token
        }
        if admin.enabled, admin.token == nil, !AdminSettings.isLoopback(admin.host) {
            throw (keys["host"] ?? node).error("the admin API bound to \(admin.host) needs a 'token' (fails closed; only loopback may go without)")
        }
        return admin
    }

    static func store(_ node: ConfigNode, baseDirectory: String, environment: [String: String]) throws(ConfigurationError) -> StoreSettings {
        let keys = try node.mapping(allowed: storeKeys)
        var store = StoreSettings()
        store.path = resolve(store.path, baseDirectory)
        if let n = keys["path"] { store.path = resolve(try n.nonEmptyString(), baseDirectory) }
        if let n = keys["url"] {
            // PostgreSQL: `postgres://user@host:port/database`, often `${ACUHOOK_DATABASE_URL}`.
            guard keys["path"] == nil else { throw n.error("store.url and store.path name two stores: keep one (url: PostgreSQL, path: SQLite)") }
            let url = try n.expandedString(environment: environment)
            do {
                store.postgres = try PostgresSettings(url: url)
            } catch {
                throw n.error(error.description)
            }
            for key in ["synchronous", "max_size", "commit_delay"] where keys[key] != nil {
                throw keys[key]!.error("store.\(key) is a SQLite setting; it does not apply to store.url (PostgreSQL)")
            }
        }
        if let n = keys["synchronous"] {
            guard let value = StoreSettings.Synchronous(rawValue: try n.string().lowercased()) else {
                throw n.error("expected full or normal, found \(n.found)")
            }
            store.synchronous = value
        }
        if let n = keys["idempotency_retention"] { store.idempotencyRetention = try n.duration() }
        if let n = keys["sweep_interval"] { store.sweepInterval = try n.duration() }
        if let n = keys["retention"] { store.retention = try n.duration() }
        if let n = keys["max_size"] { store.maxSizeBytes = try byteSize(n) }
        if let n = keys["commit_delay"] {
            let delay = try n.duration(allowingZero: true)
            guard delay <= .milliseconds(50) else { throw n.error("expected at most 50ms (it delays every busy commit), found \(n.found)") }
            store.commitDelay = delay
        }
        return store
    }

    static func sources(_ node: ConfigNode, environment: [String: String]) throws(ConfigurationError) -> [SourceSettings] {
        var sources: [SourceSettings] = []
        for item in try node.sequence() {
            let keys = try item.mapping(allowed: sourceKeys)
            guard let nameNode = keys["name"] else { throw item.error("missing key 'name' (the path segment: POST /webhooks/<name>)") }
            let name = try nameNode.nonEmptyString()
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw nameNode.error("expected letters, digits, '-' or '_' (it is a URL path segment), found \(nameNode.found)")
            }
            guard name != "test" else { throw nameNode.error("'test' is reserved for the test endpoint (POST /webhooks/test)") }
            guard !sources.contains(where: { $0.name == name }) else { throw nameNode.error("source '\(name)' is defined twice") }
            guard let auth = keys["auth"] else {
                throw item.error("missing key 'auth': every source needs a scheme (\(AuthenticationSettings.schemes.joined(separator: ", ")))")
            }
            var source = SourceSettings(name: name, authentication: try authentication(auth, environment: environment))
            if let n = keys["format"] {
                let text = try n.string()
                guard let format = SourceFormat(rawValue: text) else {
                    throw n.error("expected one of \(SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")), found \(n.found)")
                }
                source.normalizer.format = format
            }
            if let n = keys["allow"] { source.allow = try ranges(n) }
            if let n = keys["max_body_size"] { source.maxBodySize = try n.int(in: 1...(256 << 20)) }
            if let n = keys["event_type_field"] { source.normalizer.eventTypeField = try n.nonEmptyString() }
            if let n = keys["entity_id_field"] { source.normalizer.entityIdField = try n.nonEmptyString() }
            if let n = keys["rate_limit"] {
                let limit = try n.mapping(allowed: ["requests_per_second", "burst", "per_client"])
                if limit["requests_per_second"] != nil { source.rateLimit = try rate(n, limit) }
                if let perClient = limit["per_client"] {
                    source.perClientRateLimit = try rate(perClient, try perClient.mapping(allowed: ["requests_per_second", "burst"]))
                }
            }
            if let n = keys["push_routes"] {
                guard case .mapping(let mapping) = n.node else { throw n.error("expected a mapping of Query name to {entity, keys}") }
                for (queryNode, value) in mapping {
                    let query = try ConfigNode(node: queryNode, file: n.file, key: n.key).string()
                    let route = ConfigNode(node: value, file: n.file, key: "\(n.key).\(query)")
                    let fields = try route.mapping(allowed: ["entity", "keys"])
                    guard let entity = fields["entity"], let keys = fields["keys"] else {
                        throw route.error("a push route needs 'entity' (e.g. StockItem) and 'keys' (e.g. [InventoryID])")
                    }
                    let entityName = try entity.nonEmptyString()
                    guard EventTypeName.isValid(entityName + ".Updated") else { throw entity.error("expected an entity name without dots or spaces") }
                    source.normalizer.pushRoutes[query] = PushRoute(entity: entityName, keyColumns: try keys.stringList())
                }
            }
            sources.append(source)
        }
        return sources
    }

    private static func rate(_ node: ConfigNode, _ keys: [String: ConfigNode]) throws(ConfigurationError) -> RateLimit {
        guard let rps = keys["requests_per_second"] else { throw node.error("missing key 'requests_per_second'") }
        let perSecond = try rps.double(in: 0.001...1_000_000)
        let burst = try keys["burst"]?.int(in: 1...10_000_000) ?? max(1, Int(perSecond.rounded(.up)))
        return RateLimit(requestsPerSecond: perSecond, burst: burst)
    }

    private static func authentication(_ node: ConfigNode, environment: [String: String]) throws(ConfigurationError) -> AuthenticationSettings {
        let keys = try node.mapping(allowed: authKeys)
        guard let schemeNode = keys["scheme"] else {
            throw node.error("missing key 'scheme' (one of \(AuthenticationSettings.schemes.joined(separator: ", ")))")
        }
        let scheme = try schemeNode.string()
        if keys["secret"] != nil, keys["secrets"] != nil { throw node.error("give 'secret' or 'secrets', not both") }
        let secretsNode = keys["secrets"] ?? keys["secret"]
        var secrets: [String] = []
        if let secretsNode { secrets = try secretsNode.stringList(environment: environment) }
        func requireSecrets(_ what: String) throws(ConfigurationError) {
            guard !secrets.isEmpty else { throw node.error("scheme \(scheme) needs at least one \(what) under 'secrets' (fails closed)") }
            if let index = secrets.firstIndex(where: \.isEmpty) {
                throw (secretsNode ?? node).error("secret \(index + 1) is empty (fails closed)")
            }
        }
        let header = try keys["header"]?.nonEmptyString()
        switch scheme {
        case "hmac-sha256":
            try requireSecrets("secret")
            return .hmacSHA256(header: header ?? "X-Acumatica-Signature", secrets: secrets)
        case "standard-webhooks":
            try requireSecrets("whsec_ secret")
            let tolerance = try keys["tolerance"]?.duration() ?? .seconds(300)
            let settings = AuthenticationSettings.standardWebhooks(secrets: secrets, tolerance: tolerance)
            do {
                _ = try settings.makeAuthenticator()
            } catch {
                throw (secretsNode ?? node).error("\(error)")
            }
            return settings
        case "header-secret":
            guard let header else { throw node.error("scheme header-secret needs 'header' (the header name Acumatica sends, e.g. CustomAuthorization)") }
            try requireSecrets("header value")
            return .headerSecret(header: header, values: secrets)
        case "bearer":
            try requireSecrets("token")
            return .bearer(tokens: secrets)
        case "basic":
            try requireSecrets("user:password pair")
            if let index = secrets.firstIndex(where: { !$0.contains(":") }) {
                throw (secretsNode ?? node).error("credential \(index + 1) must be written user:password")
            }
            return .basic(credentials: secrets)
        case "none":
            return .none
        default:
            throw schemeNode.error("unknown scheme '\(scheme)'; expected one of \(AuthenticationSettings.schemes.joined(separator: ", ")) (fails closed)")
        }
    }

    private static func ranges(_ node: ConfigNode) throws(ConfigurationError) -> [CIDRRange] {
        var ranges: [CIDRRange] = []
        for item in try node.sequence() {
            let text = try item.nonEmptyString()
            guard let range = CIDRRange(text) else { throw item.error("expected an IP address or CIDR range (10.0.0.0/8, 2001:db8::/32), found \(item.found)") }
            ranges.append(range)
        }
        return ranges
    }

    static func resolve(_ path: String, _ baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardized.path
    }

    /// A size in bytes: a whole number, or one with `KB`, `MB` or `GB` (powers of 1024).
    static func byteSize(_ node: ConfigNode) throws(ConfigurationError) -> Int {
        let text = try node.string().trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        let (number, unit) = units.first { text.hasSuffix($0.0) }.map { (String(text.dropLast($0.0.count)).trimmingCharacters(in: .whitespaces), $0.1) } ?? (text, 1)
        guard let value = Int(number), value > 0, value <= Int.max / unit, value * unit >= 1 << 20 else {
            throw node.error("expected a size of at least 1MB such as 500MB or 20GB, found \(node.found)")
        }
        return value * unit
    }
}
