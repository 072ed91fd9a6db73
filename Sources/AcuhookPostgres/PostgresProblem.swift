import AcuhookStore
import NIOCore
import PostgresNIO

/// Turns postgres-nio's errors into messages an operator can act on. (`PSQLError` hides the
/// server's message from its description on purpose; this reads the fields that are safe.)
enum PostgresProblem {
    /// A ``StoreError`` for `what` failing with `error`.
    ///
    /// `invalid` for what retrying cannot fix (refused credentials, a missing database, a schema
    /// newer than this binary), `unavailable` for the rest.
    static func storeError(_ what: String, _ error: any Error, configuration: PostgresSettings) -> StoreError {
        let error = unwrap(error)
        if let schema = error as? PostgresSchemaError { return StoreError(.invalid, "\(what): \(schema)") }
        if let psql = error as? PSQLError {
            switch psql.serverInfo?[.sqlState] {
            case "28P01", "28000":
                return StoreError(.invalid, "\(what): PostgreSQL refused the login of role '\(configuration.username)' (\(describe(psql))): check the user and password in store.url")
            case "3D000":
                return StoreError(.invalid, "\(what): \(describe(psql)): create it (createdb \(configuration.database)) or fix the database name in store.url")
            case "42501":
                return StoreError(.invalid, "\(what): \(describe(psql)): grant role '\(configuration.username)' the rights it needs (CREATE on the database, for a new schema)")
            default: break
            }
            if psql.serverInfo == nil, psql.code == .connectionError || psql.code == .serverClosedConnection || psql.code == .uncleanShutdown {
                return StoreError(.unavailable, "\(what): cannot reach PostgreSQL at \(configuration.endpoint) (\(describe(psql)))")
            }
        }
        return StoreError(.unavailable, "\(what): \(describe(error))")
    }

    /// The server's own message and SQLSTATE, or the error's kind and cause.
    static func describe(_ error: any Error) -> String {
        let error = unwrap(error)
        guard let psql = error as? PSQLError else { return "\(error)" }
        if let info = psql.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
        return "\(psql.code)"
    }

    /// Whether running the transaction again may succeed: a deadlock, a serialization failure,
    /// or a unique violation raced by another instance's identical write.
    static func isRetryable(_ error: (any Error)?) -> Bool {
        guard let error, let psql = unwrap(error) as? PSQLError else { return false }
        return ["40P01", "40001"].contains(psql.serverInfo?[.sqlState] ?? "")
    }

    /// The error inside a transaction error, if it is one.
    static func unwrap(_ error: any Error) -> any Error {
        if let store = error as? StoreError, let underlying = store.underlying { return unwrap(underlying) }
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? transaction.rollbackError ?? error
    }
}
