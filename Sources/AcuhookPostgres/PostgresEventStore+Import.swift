import AcuhookCore
import AcuhookStore
import NIOCore
import PostgresNIO

extension PostgresEventStore: StoreCopyTarget {
    /// The largest key copied so far of an integer-keyed table.
    public func resumePoint(_ table: StoreCopy.Table) async throws(StoreError) -> StoreCopy.Cursor? {
        guard table.hasIntegerKey else { return nil }
        let key = table.columns[0]
        return try await run("cannot read how far the copy got") { connection in
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: "SELECT max(\(key)) FROM \(table.rawValue)"), logger: quiet).decode(Int64?.self) {
                return value.map { .integer($0) }
            }
            return nil
        }
    }

    /// One multi-row `INSERT … ON CONFLICT DO NOTHING`.
    public func importRows(_ batch: StoreCopy.Batch) async throws(StoreError) -> Int {
        guard !batch.rows.isEmpty else { return 0 }
        let columns = batch.table.columns
        var binds = PostgresBindings(capacity: batch.rows.count * columns.count)
        var tuples: [String] = []
        for row in batch.rows {
            var places: [String] = []
            for value in row {
                switch value {
                case .null: binds.appendNull()
                case .integer(let number): binds.append(number)
                case .text(let text): binds.append(DeliveryBatch.text(text))
                case .blob(let bytes): binds.append(ByteBuffer(bytes: bytes))
                }
                places.append("$\(binds.count)")
            }
            tuples.append("(" + places.joined(separator: ", ") + ")")
        }
        let sql = """
            WITH added AS (
                INSERT INTO \(batch.table.rawValue) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*) FROM added
            """
        return try await count("cannot copy \(batch.table.rawValue)", PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    /// Id sequences continue after the copied rows; the overrides' version moves on.
    public func finishImport() async throws(StoreError) {
        try await transaction("cannot finish the copy") { connection in
            for (sequence, table, column) in [
                ("deliveries_id_seq", "deliveries", "id"), ("events_id_seq", "events", "id"), ("jobs_id_seq", "jobs", "id"), ("job_attempts_seq_seq", "job_attempts", "seq"),
            ] {
                // Past both the copied rows and whatever the sequence already handed out.
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT setval('\(sequence)', GREATEST(COALESCE((SELECT max(\(column)) FROM \(table)), 0), (SELECT last_value FROM \(sequence))) + 1, false)"),
                    logger: quiet
                )
            }
            try await connection.query("UPDATE store_meta SET value = value + 1 WHERE key = 'overrides_version'", logger: quiet)
        }
    }
}
