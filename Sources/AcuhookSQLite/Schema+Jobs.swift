import AcuhookStore
import AcuhookCore
import Foundation
import GRDB

/// The dispatcher's reads and writes.
extension Schema {
    static let eventColumns = """
        e.id, e.delivery_id, d.source, e.event_type, e.entity_type, e.entity_id, e.tenant,
        e.ordering_key, COALESCE(e.json, d.body), e.received_at, d.idempotency_key, e.derivation_depth
        """

    /// A stored event from the 12 columns of ``eventColumns`` starting at `offset`.
    static func storedEvent(_ row: Row, offset: Int = 0) -> StoredEvent {
        StoredEvent(
            id: row[offset],
            deliveryID: row[offset + 1],
            source: row[offset + 2],
            event: InboundEvent(
                eventType: row[offset + 3], entityType: row[offset + 4], entityId: row[offset + 5], tenant: row[offset + 6],
                orderingKey: row[offset + 7], json: Array((row[offset + 8] as Data?) ?? Data()),
                derivationDepth: row[offset + 11]
            ),
            receivedAtUnixMilliseconds: row[offset + 9],
            idempotencyKey: row[offset + 10]
        )
    }

    /// An ordered job waits while a job of its lane runs, or one with an earlier ordering key
    /// (or the same, received earlier) is pending.
    static let laneIsFree = """
        (j.lane IS NULL OR NOT EXISTS (
            SELECT 1 FROM jobs AS other
            WHERE other.lane = j.lane AND other.id != j.id AND (
                other.state = 'running'
                OR (other.state = 'pending' AND (other.lane_order < j.lane_order OR (other.lane_order = j.lane_order AND other.id < j.id)))
            )
        ))
        """

    /// Leases, per plugin, up to its number of due jobs: running jobs of those plugins whose
    /// lease expired, then pending due jobs, oldest due first.
    ///
    /// One index range scan per plugin (`jobs_plugin_due`: state, plugin, due_at), each stopping
    /// at its limit, so jobs of other plugins — a held backlog behind an open breaker, a plugin
    /// that is not loaded — cost nothing to skip.
    static func claim(now: Int64, perPlugin limits: [String: Int], leaseMilliseconds: Int64, in db: Database) throws -> [ClaimedJob] {
        var ids: [Int64] = []
        let expired = try db.cachedStatement(sql: "SELECT id FROM jobs WHERE state = 'running' AND plugin = ? AND lease_until < ? ORDER BY id LIMIT ?")
        let due = try db.cachedStatement(
            sql: "SELECT id FROM jobs AS j WHERE j.state = 'pending' AND j.plugin = ? AND j.due_at <= ? AND \(laneIsFree) ORDER BY j.due_at, j.id LIMIT ?"
        )
        for (plugin, limit) in limits.sorted(by: { $0.key < $1.key }) where limit > 0 {
            var mine = try Int64.fetchAll(expired, arguments: [plugin, now, limit])
            if mine.count < limit { mine += try Int64.fetchAll(due, arguments: [plugin, now, limit - mine.count]) }
            ids += mine
        }
        return try lease(ids, now: now, leaseMilliseconds: leaseMilliseconds, in: db)
    }

    /// Marks `ids` running under a lease and reads them with their events.
    ///
    /// The ids travel as one JSON array (`json_each`), so both statements are cached whatever
    /// their number, and the rows are read straight from SQLite (``BoundStatement``): this runs
    /// for every job the dispatcher claims.
    private static func lease(_ ids: [Int64], now: Int64, leaseMilliseconds: Int64, in db: Database) throws -> [ClaimedJob] {
        guard !ids.isEmpty else { return [] }
        let list = BoundStatement.Value.text("[" + ids.map(String.init).joined(separator: ",") + "]")
        try BoundStatement("UPDATE jobs SET state = 'running', lease_until = ?, updated_at = ?, claim = claim + 1 WHERE id IN (SELECT value FROM json_each(?))", in: db)
            .run([.integer(now + leaseMilliseconds), .integer(now), list])
        var claimed: [ClaimedJob] = []
        claimed.reserveCapacity(ids.count)
        try BoundStatement(
            """
            SELECT j.id, j.plugin, j.attempts, j.last_delay_ms, \(eventColumns), j.claim, j.replay
            FROM jobs j JOIN events e ON e.id = j.event_id JOIN deliveries d ON d.id = e.delivery_id
            WHERE j.id IN (SELECT value FROM json_each(?)) ORDER BY j.due_at, j.id
            """,
            in: db
        ).forEachRow([list]) { row in
            var job = ClaimedJob(
                id: row.integer(0), plugin: row.text(1), claim: row.integer(16), attempt: Int(row.integer(2)) + 1, previousDelayMilliseconds: row.optionalInteger(3),
                event: StoredEvent(
                    id: row.integer(4),
                    deliveryID: row.integer(5),
                    source: row.text(6),
                    event: InboundEvent(
                        eventType: row.text(7), entityType: row.text(8), entityId: row.text(9), tenant: row.text(10),
                        orderingKey: row.text(11), json: row.bytes(12), derivationDepth: Int(row.integer(15))
                    ),
                    receivedAtUnixMilliseconds: row.integer(13),
                    idempotencyKey: row.text(14)
                )
            )
            job.replay = row.optionalInteger(17)
            claimed.append(job)
        }
        return claimed
    }

    /// Applies one completion (and stores its derived events with their jobs).
    ///
    ///
    /// A job handled at its first attempt (`ok` or the plugin's `skipped`) with no history records
    /// no attempt row: its job row says when and how it ended, and one INSERT fewer per job is a
    /// third of the dispatcher's writes. Any other attempt — a failure, a filter, or a success
    /// after earlier attempts (also those before a replay) — is recorded, so a troubled job's
    /// history is complete.
    static func complete(_ completion: JobCompletion, now: Int64, ids: inout DeliveryIDs, in db: Database) throws -> Completed {
        // Bound through SQLite's C API (BoundStatement): this runs for every job.
        let job = BoundStatement.Value.integer(completion.jobID)
        if let claim = completion.claim {
            // Only while the job still runs under this claim: a dispatcher that lost its lease
            // must not overwrite what a newer claim does.
            let current = try BoundStatement("SELECT claim FROM jobs WHERE id = ? AND state = 'running'", in: db).run([job])
            guard current == claim else { return .stale }
        }
        if let attempt = completion.attempt {
            let values: [BoundStatement.Value] = [
                job, .integer(Int64(attempt.number)), .integer(attempt.startedAtUnixMilliseconds), .integer(attempt.durationMilliseconds),
                .text(attempt.outcome.rawValue), attempt.message.map { .text($0) } ?? .null,
            ]
            if isFirstTimeSuccess(completion, attempt) {
                // Recorded only after earlier history (a replay). A separate lookup: as one
                // `INSERT … SELECT … WHERE EXISTS` on the same table, SQLite builds a temporary
                // table for every job.
                let hasHistory = try BoundStatement("SELECT 1 FROM job_attempts WHERE job_id = ? LIMIT 1", in: db).run([job]) != nil
                if hasHistory {
                    try BoundStatement("INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, message) VALUES (?, ?, ?, ?, ?, ?)", in: db)
                        .run(values)
                }
            } else {
                try BoundStatement("INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, message) VALUES (?, ?, ?, ?, ?, ?)", in: db)
                    .run(values)
            }
        }
        let counted = BoundStatement.Value.integer(completion.attempt == nil ? 0 : 1)
        switch completion.disposition {
        case .done(let skipped):
            try BoundStatement("UPDATE jobs SET state = ?, attempts = attempts + ?, lease_until = NULL, updated_at = ? WHERE id = ?", in: db)
                .run([.text(skipped ? JobState.skipped.rawValue : JobState.done.rawValue), counted, .integer(now), job])
        case .retry(let at, let delay):
            try BoundStatement(
                "UPDATE jobs SET state = 'pending', attempts = attempts + ?, due_at = ?, last_delay_ms = ?, lease_until = NULL, updated_at = ? WHERE id = ?",
                in: db
            ).run([counted, .integer(at), .integer(delay), .integer(now), job])
        case .held(let until):
            try BoundStatement("UPDATE jobs SET state = 'pending', due_at = ?, lease_until = NULL, updated_at = ? WHERE id = ?", in: db)
                .run([.integer(until), .integer(now), job])
        case .dead(let reason):
            try BoundStatement(
                "UPDATE jobs SET state = 'dead', attempts = attempts + ?, dead_reason = ?, lease_until = NULL, updated_at = ? WHERE id = ?",
                in: db
            ).run([counted, .text(reason.rawValue), .integer(now), job])
        }
        guard !completion.derived.isEmpty else { return .applied(nil) }
        return .applied(try storeDerived(completion, now: now, ids: &ids, in: db))
    }

    /// What ``complete(_:now:ids:in:)`` did.
    enum Completed {
        /// Committed, with the derived events refused, if any.
        case applied(DerivedEventRefusal?)
        /// Dropped: the job is no longer under the completion's claim.
        case stale
    }

    /// Stores a completion's derived events as one delivery of the `derived` source, as many as
    /// its received delivery's budget allows (counted on that delivery's row, so it holds across
    /// the whole tree and across restarts); returns what was refused.
    private static func storeDerived(_ completion: JobCompletion, now: Int64, ids: inout DeliveryIDs, in db: Database) throws -> DerivedEventRefusal? {
        let job = BoundStatement.Value.integer(completion.jobID)
        guard let root = try BoundStatement(
            "SELECT COALESCE(d.root_delivery_id, d.id) FROM jobs j JOIN events e ON e.id = j.event_id JOIN deliveries d ON d.id = e.delivery_id WHERE j.id = ?",
            in: db
        ).run([job]) else { return nil }
        let counts = try Row.fetchOne(db, sql: "SELECT derived_events, derived_refused FROM deliveries WHERE id = ?", arguments: [root])
        let (used, refusedBefore): (Int, Int) = (counts?[0] ?? 0, counts?[1] ?? 0)
        let allowed = max(0, min(completion.derived.count, completion.derivedBudget - used))
        let refused = completion.derived.count - allowed
        if allowed > 0 {
            let delivery = Delivery(
                source: "derived",
                idempotencyKey: "job:\(completion.jobID):attempt:\(completion.attempt?.number ?? 0)",
                idempotencyKeyOrigin: "derived event",
                format: .derived,
                receivedAtUnixMilliseconds: now,
                body: [],
                headers: [],
                clientAddress: "-",
                events: Array(completion.derived.prefix(allowed))
            )
            if case .accepted(let id, _) = try insert(delivery, retention: .seconds(3 * 86_400), ids: &ids, in: db) {
                try db.execute(sql: "UPDATE deliveries SET root_delivery_id = ? WHERE id = ?", arguments: [root, id])
            }
        }
        try db.execute(
            sql: "UPDATE deliveries SET derived_events = derived_events + ?, derived_refused = derived_refused + ? WHERE id = ?",
            arguments: [allowed, refused, root]
        )
        guard refused > 0 else { return nil }
        return DerivedEventRefusal(jobID: completion.jobID, rootDelivery: root, refused: refused, first: refusedBefore == 0)
    }

    private static func isFirstTimeSuccess(_ completion: JobCompletion, _ attempt: AttemptRecord) -> Bool {
        guard case .done = completion.disposition, attempt.number == 1 else { return false }
        return attempt.outcome == .ok || attempt.outcome == .skipped
    }

    static func deadLetterWhere(_ filter: DeadLetterFilter) -> (String, StatementArguments) {
        var clauses = ["j.state = 'dead'"]
        var arguments = StatementArguments()
        if let plugin = filter.plugin {
            clauses.append("j.plugin = ?")
            arguments += [plugin]
        }
        if let type = filter.eventType {
            clauses.append("e.event_type = ?")
            arguments += [type]
        }
        if let since = filter.sinceUnixMilliseconds {
            clauses.append("j.updated_at >= ?")
            arguments += [since]
        }
        if let reason = filter.reason {
            clauses.append("j.dead_reason = ?")
            arguments += [reason.rawValue]
        }
        if let ids = filter.jobIDs {
            clauses.append("j.id IN (\(ids.isEmpty ? "NULL" : ids.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(ids)
        }
        return (clauses.joined(separator: " AND "), arguments)
    }

    static func deadLetters(_ filter: DeadLetterFilter, limit: Int, in db: Database) throws -> [DeadLetter] {
        let (condition, arguments) = deadLetterWhere(filter)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT j.id, j.plugin, j.dead_reason, j.updated_at, \(eventColumns)
                FROM jobs j JOIN events e ON e.id = j.event_id JOIN deliveries d ON d.id = e.delivery_id
                WHERE \(condition) ORDER BY j.updated_at, j.id LIMIT \(limit)
                """,
            arguments: arguments
        )
        return try rows.map { row in
            let jobID: Int64 = row[0]
            let attempts = try Row.fetchAll(
                db,
                sql: "SELECT attempt, started_at, duration_ms, outcome, message FROM job_attempts WHERE job_id = ? ORDER BY rowid",
                arguments: [jobID]
            ).map { AttemptRecord(number: $0[0], startedAtUnixMilliseconds: $0[1], durationMilliseconds: $0[2], outcome: AttemptOutcome(rawValue: $0[3]) ?? .other($0[3]), message: $0[4]) }
            return DeadLetter(
                jobID: jobID,
                plugin: row[1],
                reason: DeadLetterReason(rawValue: row[2]) ?? .exhausted,
                deadAtUnixMilliseconds: row[3],
                event: storedEvent(row, offset: 4),
                attempts: attempts
            )
        }
    }
}
