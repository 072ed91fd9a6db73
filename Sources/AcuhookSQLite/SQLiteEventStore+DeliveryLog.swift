import AcuhookStore
import AcuhookCore
import Foundation
import GRDB

extension SQLiteEventStore {
    /// Deliveries newest first: one index range scan whatever the filter (`deliveries_source`
    /// for a source, `events_type` for an event type, the primary key otherwise); a time range
    /// is turned into a range of ids first (``Schema/firstDelivery(receivedAtOrAfter:in:)``).
    public func deliveries(_ filter: DeliveryFilter, before: Int64?, limit: Int) async throws(StoreError) -> [DeliverySummary] {
        try await read("cannot list deliveries") { db in
            var upper = before ?? Int64.max
            var lower: Int64 = 0
            if let until = filter.untilUnixMilliseconds { upper = min(upper, try Schema.firstDelivery(receivedAtOrAfter: until, in: db)) }
            if let since = filter.sinceUnixMilliseconds { lower = try Schema.firstDelivery(receivedAtOrAfter: since, in: db) }
            var clauses = ["d.id < ?", "d.id >= ?"]
            var arguments: StatementArguments = [upper, lower]
            if let source = filter.source {
                clauses.append("d.source = ?")
                arguments += [source]
            }
            let sql: String
            if let eventType = filter.eventType {
                arguments += [eventType]
                sql = """
                    SELECT d.id, d.source, d.idempotency_key, d.format, d.received_at, d.client_address FROM deliveries d
                    WHERE \(clauses.joined(separator: " AND ")) AND d.id IN (
                        SELECT e.delivery_id FROM events e WHERE e.event_type = ? AND e.delivery_id < ? AND e.delivery_id >= ?
                    ) ORDER BY d.id DESC LIMIT \(limit)
                    """
                arguments += [upper, lower]
            } else {
                sql = """
                    SELECT d.id, d.source, d.idempotency_key, d.format, d.received_at, d.client_address FROM deliveries d
                    WHERE \(clauses.joined(separator: " AND ")) ORDER BY d.id DESC LIMIT \(limit)
                    """
            }
            let types = try db.cachedStatement(sql: "SELECT event_type FROM events WHERE delivery_id = ? ORDER BY position")
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                DeliverySummary(
                    id: row[0], source: row[1], idempotencyKey: row[2], format: row[3], receivedAtUnixMilliseconds: row[4],
                    clientAddress: row[5], eventTypes: try String.fetchAll(types, arguments: [row[0] as Int64])
                )
            }
        }
    }

    /// One delivery whole, with its events' jobs and their attempts.
    public func delivery(_ id: Int64) async throws(StoreError) -> DeliveryRecord? {
        try await read("cannot read the delivery") { db in try Schema.deliveryRecord(id, in: db) }
    }

    /// Puts jobs back in the queue with a fresh attempt budget (not running or superseded ones).
    public func requeue(jobIDs: [Int64], nowUnixMilliseconds: Int64) async throws(StoreError) -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        return try await write("cannot requeue jobs") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'pending', attempts = 0, due_at = ?, dead_reason = NULL, last_delay_ms = NULL, lease_until = NULL, updated_at = ?
                    WHERE state NOT IN ('running', 'superseded') AND id IN (\(jobIDs.map { _ in "?" }.joined(separator: ",")))
                    """,
                arguments: [nowUnixMilliseconds, nowUnixMilliseconds] + StatementArguments(jobIDs)
            )
            return db.changesCount
        }
    }

    /// Requeues every job of the delivery's events.
    public func requeue(deliveryID: Int64, nowUnixMilliseconds: Int64) async throws(StoreError) -> Int {
        let ids = try await read("cannot read the delivery's jobs") { db in
            try Int64.fetchAll(db, sql: "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.delivery_id = ?", arguments: [deliveryID])
        }
        return try await requeue(jobIDs: ids, nowUnixMilliseconds: nowUnixMilliseconds)
    }
}

extension Schema {
    /// The smallest delivery id received at or after `time` (one past the last id if none):
    /// a binary search over the primary key, as receipt times rise with ids (one commit's
    /// deliveries share a clock reading; a clock stepped back blurs the bound by that step).
    static func firstDelivery(receivedAtOrAfter time: Int64, in db: Database) throws -> Int64 {
        // Two queries: SQLite answers a lone MIN or MAX from the key, both at once by a scan.
        guard var low = try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM deliveries"),
            var high = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM deliveries")
        else { return 0 }
        high += 1
        let probe = try db.cachedStatement(sql: "SELECT id, received_at FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1")
        while low < high {
            let middle = low + (high - low) / 2
            guard let row = try Row.fetchOne(probe, arguments: [middle]) else {
                high = middle
                continue
            }
            let (id, received): (Int64, Int64) = (row[0], row[1])
            if received < time { low = id + 1 } else { high = min(middle, id) }
        }
        return low
    }

    /// Deletes up to `limit` deliveries with ids below `bound` whose jobs are all finished, with
    /// their events, jobs and attempts. Returns how many.
    static func removeFinished(below bound: Int64, limit: Int, in db: Database) throws -> Int {
        let ids = try Int64.fetchAll(
            db,
            sql: """
                SELECT d.id FROM deliveries d WHERE d.id < ? AND NOT EXISTS (
                    SELECT 1 FROM events e JOIN jobs j ON j.event_id = e.id
                    WHERE e.delivery_id = d.id AND j.state IN ('pending', 'running', 'dead')
                ) ORDER BY d.id LIMIT ?
                """,
            arguments: [bound, limit]
        )
        guard !ids.isEmpty else { return 0 }
        let list = ids.map(String.init).joined(separator: ",")
        let events = "SELECT id FROM events WHERE delivery_id IN (\(list))"
        try db.execute(sql: "DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM jobs WHERE event_id IN (\(events)))")
        try db.execute(sql: "DELETE FROM jobs WHERE event_id IN (\(events))")
        try db.execute(sql: "DELETE FROM events WHERE delivery_id IN (\(list))")
        try db.execute(sql: "DELETE FROM deliveries WHERE id IN (\(list))")
        return ids.count
    }

    static func deliveryRecord(_ id: Int64, in db: Database) throws -> DeliveryRecord? {
        guard let row = try Row.fetchOne(
            db,
            sql: "SELECT id, source, idempotency_key, format, received_at, client_address, headers, body FROM deliveries WHERE id = ?",
            arguments: [id]
        ) else { return nil }
        let events = try Row.fetchAll(
            db, sql: "SELECT \(eventColumns) FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE e.delivery_id = ? ORDER BY e.position", arguments: [id]
        ).map { storedEvent($0) }
        let jobs = try db.cachedStatement(sql: "SELECT id, plugin, state, attempts, due_at, dead_reason, replay FROM jobs WHERE event_id = ? ORDER BY id")
        let attempts = try db.cachedStatement(sql: "SELECT attempt, started_at, duration_ms, outcome, message FROM job_attempts WHERE job_id = ? ORDER BY rowid")
        let headers = StoredForm.headers(row[6])
        return DeliveryRecord(
            summary: DeliverySummary(
                id: row[0], source: row[1], idempotencyKey: row[2], format: row[3], receivedAtUnixMilliseconds: row[4], clientAddress: row[5],
                eventTypes: events.map(\.event.eventType)
            ),
            headers: headers,
            body: Array((row[7] as Data?) ?? Data()),
            events: try events.map { event in
                DeliveryRecord.Event(stored: event, jobs: try Row.fetchAll(jobs, arguments: [event.id]).map { job in
                    let jobID: Int64 = job[0]
                    var record = DeliveryRecord.Job(
                        id: jobID, plugin: job[1], state: JobState(rawValue: job[2]) ?? .pending, attempts: job[3], dueAtUnixMilliseconds: job[4],
                        deadReason: (job[5] as String?).flatMap(DeadLetterReason.init(rawValue:)),
                        history: try Row.fetchAll(attempts, arguments: [jobID]).map {
                            AttemptRecord(number: $0[0], startedAtUnixMilliseconds: $0[1], durationMilliseconds: $0[2], outcome: AttemptOutcome(rawValue: $0[3]) ?? .other($0[3]), message: $0[4])
                        }
                    )
                    record.replay = job[6]
                    return record
                })
            }
        )
    }
}
