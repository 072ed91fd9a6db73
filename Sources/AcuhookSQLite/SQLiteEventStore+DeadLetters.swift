import AcuhookStore
import AcuhookCore
import GRDB

extension SQLiteEventStore {
    /// Dead-lettered jobs matching `filter`, oldest first, with every attempt.
    public func deadLetters(_ filter: DeadLetterFilter, limit: Int) async throws(StoreError) -> [DeadLetter] {
        try await read("cannot read the dead-letter queue") { db in try Schema.deadLetters(filter, limit: limit, in: db) }
    }

    /// How many dead letters match `filter`.
    public func deadLetterCount(_ filter: DeadLetterFilter) async throws(StoreError) -> Int {
        let (condition, arguments) = Schema.deadLetterWhere(filter)
        return try await read("cannot count dead letters") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition)", arguments: arguments) ?? 0
        }
    }

    /// Puts matching dead letters back in the queue with a fresh attempt budget, `batchSize` at
    /// a time, each batch in its own short transaction (a large replay never holds the writer
    /// for long).
    public func replay(
        _ filter: DeadLetterFilter,
        nowUnixMilliseconds: Int64,
        batchSize: Int,
        progress: (_ done: Int, _ total: Int) -> Void
    ) async throws(StoreError) -> Int {
        let (condition, arguments) = Schema.deadLetterWhere(filter)
        let ids = try await read("cannot read the dead-letter queue") { db in
            try Int64.fetchAll(db, sql: "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition) ORDER BY j.id", arguments: arguments)
        }
        var replayed = 0
        var start = 0
        progress(0, ids.count)
        while start < ids.count {
            let batch = Array(ids[start..<min(ids.count, start + max(1, batchSize))])
            replayed += try await write("cannot replay dead letters (\(replayed) replayed before the failure)") { db in
                try db.execute(
                    sql: """
                        UPDATE jobs SET state = 'pending', attempts = 0, due_at = ?, dead_reason = NULL, last_delay_ms = NULL, updated_at = ?
                        WHERE state = 'dead' AND id IN (\(batch.map { _ in "?" }.joined(separator: ",")))
                        """,
                    arguments: [nowUnixMilliseconds, nowUnixMilliseconds] + StatementArguments(batch)
                )
                return db.changesCount
            }
            start += batch.count
            progress(start, ids.count)
        }
        return replayed
    }

    /// Deletes matching dead letters and their attempts. Returns how many.
    public func purge(_ filter: DeadLetterFilter) async throws(StoreError) -> Int {
        let (condition, arguments) = Schema.deadLetterWhere(filter)
        return try await write("cannot purge the dead-letter queue") { db in
            let selection = "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition)"
            try db.execute(sql: "DELETE FROM job_attempts WHERE job_id IN (\(selection))", arguments: arguments)
            try db.execute(sql: "DELETE FROM jobs WHERE id IN (\(selection))", arguments: arguments)
            return db.changesCount
        }
    }
}
