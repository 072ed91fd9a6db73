import AcuhookCore
import AcuhookStore
import PostgresNIO

extension PostgresEventStore {
    /// Dead-lettered jobs matching `filter`, oldest first, with every attempt.
    public func deadLetters(_ filter: DeadLetterFilter, limit: Int) async throws(StoreError) -> [DeadLetter] {
        let (condition, binds) = Self.deadLetterWhere(filter)
        return try await run("cannot read the dead-letter queue", long: true) { connection in
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: """
                    SELECT j.id, j.plugin, j.dead_reason, j.updated_at, \(EventColumns.sql)
                    FROM jobs j JOIN events e ON e.id = j.event_id JOIN deliveries d ON d.id = e.delivery_id
                    WHERE \(condition) ORDER BY j.updated_at, j.id LIMIT \(max(0, limit))
                    """, binds: binds),
                logger: quiet
            )
            var letters: [DeadLetter] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                letters.append(DeadLetter(
                    jobID: try cells[0].decode(Int64.self), plugin: try cells[1].decode(String.self),
                    reason: DeadLetterReason(rawValue: try cells[2].decode(String?.self) ?? "") ?? .exhausted,
                    deadAtUnixMilliseconds: try cells[3].decode(Int64.self), event: try EventColumns.event(cells, at: 4), attempts: []
                ))
            }
            let history = try await Self.attempts(of: letters.map(\.jobID), on: connection)
            return letters.map { letter in
                var letter = letter
                letter.attempts = history[letter.jobID] ?? []
                return letter
            }
        }
    }

    /// Every recorded attempt of `jobs`, oldest first, by job.
    static func attempts(of jobs: [Int64], on connection: PostgresConnection) async throws -> [Int64: [AttemptRecord]] {
        guard !jobs.isEmpty else { return [:] }
        var history: [Int64: [AttemptRecord]] = [:]
        let rows = try await connection.query(
            "SELECT job_id, \(unescaped: AttemptColumns.sql) FROM job_attempts WHERE job_id = ANY(\(jobs)) ORDER BY seq", logger: quiet
        )
        for try await (job, number, started, duration, outcome, message) in rows.decode((Int64, Int32, Int64, Int64, String, String?).self) {
            history[job, default: []].append(AttemptColumns.attempt((number, started, duration, outcome, message)))
        }
        return history
    }

    /// How many dead letters match `filter`.
    public func deadLetterCount(_ filter: DeadLetterFilter) async throws(StoreError) -> Int {
        let (condition, binds) = Self.deadLetterWhere(filter)
        return try await count("cannot count dead letters", long: true, PostgresQuery(
            unsafeSQL: "SELECT count(*) FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition)", binds: binds
        ))
    }

    /// Puts matching dead letters back in the queue, `batchSize` at a time, each batch one statement.
    public func replay(
        _ filter: DeadLetterFilter,
        nowUnixMilliseconds now: Int64,
        batchSize: Int,
        progress: (_ done: Int, _ total: Int) -> Void
    ) async throws(StoreError) -> Int {
        let (condition, binds) = Self.deadLetterWhere(filter)
        let ids = try await run("cannot read the dead-letter queue", long: true) { connection in
            var ids: [Int64] = []
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition) ORDER BY j.id", binds: binds), logger: quiet
            )
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            return ids
        }
        var replayed = 0
        var start = 0
        progress(0, ids.count)
        while start < ids.count {
            let batch = Array(ids[start..<min(ids.count, start + max(1, batchSize))])
            replayed += try await count("cannot replay dead letters (\(replayed) replayed before the failure)", long: true, """
                WITH r AS (
                    UPDATE jobs SET state = 'pending', attempts = 0, due_at = \(now), dead_reason = NULL, last_delay_ms = NULL, updated_at = \(now)
                    WHERE state = 'dead' AND id = ANY(\(batch))
                    RETURNING 1)
                SELECT count(*) FROM r
                """)
            start += batch.count
            progress(start, ids.count)
        }
        if replayed > 0 { try await notifyNewJobs() }
        return replayed
    }

    /// Deletes matching dead letters and their attempts, in one statement.
    public func purge(_ filter: DeadLetterFilter) async throws(StoreError) -> Int {
        let (condition, binds) = Self.deadLetterWhere(filter)
        return try await count("cannot purge the dead-letter queue", long: true, PostgresQuery(unsafeSQL: """
            WITH doomed AS (
                SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition) FOR UPDATE OF j
            ), a AS (
                DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM doomed)
            ), gone AS (
                DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING 1
            )
            SELECT count(*) FROM gone
            """, binds: binds))
    }

    /// Wakes every instance's dispatcher (jobs were made due outside a delivery: replays, requeues).
    func notifyNewJobs() async throws(StoreError) {
        try await run("cannot announce new jobs") { connection in
            _ = try await connection.query("SELECT pg_notify(\(self.channel), '')", logger: quiet)
        }
    }

    /// The WHERE clause (over `jobs j JOIN events e`) and bindings for `filter`.
    static func deadLetterWhere(_ filter: DeadLetterFilter) -> (String, PostgresBindings) {
        var conditions = Conditions(["j.state = 'dead'"])
        if let plugin = filter.plugin { conditions.add({ "j.plugin = \($0)" }, plugin) }
        if let type = filter.eventType { conditions.add({ "e.event_type = \($0)" }, type) }
        if let since = filter.sinceUnixMilliseconds { conditions.add({ "j.updated_at >= \($0)" }, since) }
        if let reason = filter.reason { conditions.add({ "j.dead_reason = \($0)" }, reason.rawValue) }
        if let ids = filter.jobIDs { conditions.add({ "j.id = ANY(\($0)::int8[])" }, ids) }
        return (conditions.sql, conditions.binds)
    }
}
