import Foundation

/// A PostgreSQL store's settings (`store.url`): where the database is and how to use it, read
/// from a `postgres://` URL. Pure parsing, here so the configuration loader checks a URL without
/// linking a database driver; AcuhookPostgres opens it.
public struct PostgresSettings: Sendable, Equatable {
    /// TLS to the server, from the URL's `sslmode`.
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP (`sslmode=disable`).
        case disable
        /// TLS when the server offers it (`sslmode=prefer`, the default).
        case prefer
        /// TLS or no connection (`sslmode=require`, also `verify-ca`, `verify-full`:
        /// certificates are checked against the system's trust roots).
        case require
    }

    /// The server's host name or address (or a folder holding its Unix socket, when it starts with `/`).
    public var host: String
    /// Its port. Default 5432.
    public var port: Int = 5432
    /// The role to log in as.
    public var username: String
    /// Its password, if the server asks for one.
    public var password: String?
    /// The database. Default: the role's name.
    public var database: String
    /// The PostgreSQL schema holding Acuhook's tables (created when missing; `?schema=`).
    /// Default `acuhook`: several installations can share a database under different names.
    public var schema: String = "acuhook"
    /// TLS. Default ``TLSMode/prefer``.
    public var tls: TLSMode = .prefer
    /// Most connections the pool opens. Default 10 (`?pool_size=`).
    public var poolSize: Int = 10
    /// Longest a store call waits (for a connection, or for the server to answer) before it
    /// fails as unavailable: a receiver answers 503 rather than hang. Default 5 s.
    public var operationTimeout: Duration = .seconds(5)
    /// Longest the first connection at start may take. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)

    /// Settings for a server; everything else at its default.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database ?? username
    }

    /// Reads `postgres://user[:password]@host[:port]/database[?sslmode=…&schema=…&pool_size=…]`
    /// (also `postgresql://`). Percent-escapes in the user, password and database are decoded.
    public init(url text: String) throws(PostgresURLError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError("expected postgres://user@host:port/database, found '\(Self.redacted(text))'")
        }
        guard let host = url.host, !host.isEmpty else { throw PostgresURLError("'\(Self.redacted(text))' names no host") }
        guard let user = url.user, !user.isEmpty else { throw PostgresURLError("'\(Self.redacted(text))' names no user (postgres://USER@host/database)") }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.init(host: host, port: url.port ?? 5432, username: user, password: url.password, database: path.isEmpty ? nil : path)
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw PostgresURLError("sslmode '\(value)' is not one of disable, prefer, require, verify-ca, verify-full")
                }
            case "schema":
                guard Self.isPlainName(value) else {
                    throw PostgresURLError("schema '\(value)' must be lower-case letters, digits and '_', starting with a letter")
                }
                schema = value
            case "pool_size":
                guard let size = Int(value), (1...500).contains(size) else { throw PostgresURLError("pool_size must be 1 to 500, found '\(value)'") }
                poolSize = size
            case "host":
                // libpq's way of naming a Unix socket folder: ?host=/run/postgresql
                self.host = value
            default:
                throw PostgresURLError("unknown URL parameter '\(item.name)' (known: sslmode, schema, pool_size, host)")
            }
        }
    }

    /// The URL with its password replaced by `***`, for logs and messages.
    public var displayURL: String {
        let credentials = password == nil ? username : "\(username):***"
        return "postgres://\(credentials)@\(host):\(port)/\(database)" + (schema == "acuhook" ? "" : "?schema=\(schema)")
    }

    /// `host:port`, as errors name the server.
    public var endpoint: String { host.hasPrefix("/") ? host : "\(host):\(port)" }

    /// A name PostgreSQL takes unquoted.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 63 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// `text` with the password part of a URL, if any, replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// A `store.url` that cannot be used, and why.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with it.
    public var description: String

    init(_ description: String) { self.description = description }
}
