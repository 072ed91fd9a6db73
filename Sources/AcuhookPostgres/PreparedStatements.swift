import PostgresNIO

/// The statements on the hot paths, prepared once per connection (postgres-nio caches them by
/// name): a batch of deliveries, a batch of outcomes, a claim and the id allocation are parsed and
/// planned once, not on every call.
enum Prepared {
    /// Row ids ahead of a batch: `(delivery ids, event ids)`.
    struct IDs: PostgresPreparedStatement {
        static let sql = """
            SELECT ARRAY(SELECT nextval('deliveries_id_seq') FROM generate_series(1, $1::int8)),
                   ARRAY(SELECT nextval('events_id_seq') FROM generate_series(1, $2::int8))
            """
        let deliveries: Int64
        let events: Int64

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(deliveries)
            bindings.append(events)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ([Int64], [Int64]) { try row.decode(([Int64], [Int64]).self) }
    }

    /// ``DeliveryBatch/sql``: `(delivery ids stored, 1 when jobs were announced)`.
    struct Deliveries: PostgresPreparedStatement {
        static let sql = DeliveryBatch.sql
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> ([Int64], Int64) { try row.decode(([Int64], Int64).self) }
    }

    /// ``CompletionBatch/sql``: the ids of the jobs changed.
    struct Completions: PostgresPreparedStatement {
        static let sql = CompletionBatch.sql
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> [Int64] { try row.decode([Int64].self) }
    }

    /// ``PostgresEventStore/claimSQL``: one row per claimed job (decoded by the caller).
    struct Claim: PostgresPreparedStatement {
        static let sql = PostgresEventStore.claimSQL
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }
}
