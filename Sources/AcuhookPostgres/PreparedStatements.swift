import PostgresNIO

/// The statements on the hot paths, prepared once per connection (postgres-nio caches them by
/// name): a batch of deliveries, a batch of outcomes and a claim are parsed and planned once,
/// not on every call.
enum Prepared {
    /// ``DeliveryBatch/sql``: `(delivery ids, event ids, delivery ids stored, 1 when jobs were announced)`.
    struct Deliveries: PostgresPreparedStatement {
        /// Its name on each connection (a constant: the default is built from the type's name on every call).
        static let name = "acuhook_deliveries"
        static let sql = DeliveryBatch.sql
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> ([Int64], [Int64], [Int64], Int64) { try row.decode(([Int64], [Int64], [Int64], Int64).self) }
    }

    /// ``CompletionBatch/sql``: the ids of the jobs changed.
    struct Completions: PostgresPreparedStatement {
        /// Its name on each connection (a constant: the default is built from the type's name on every call).
        static let name = "acuhook_completions"
        static let sql = CompletionBatch.sql
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> [Int64] { try row.decode([Int64].self) }
    }

    /// ``PostgresEventStore/claimSQL``: one row per claimed job (decoded by the caller).
    struct Claim: PostgresPreparedStatement {
        /// Its name on each connection (a constant: the default is built from the type's name on every call).
        static let name = "acuhook_claim"
        static let sql = PostgresEventStore.claimSQL
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }
}
