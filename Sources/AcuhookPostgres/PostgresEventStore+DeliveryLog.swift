import AcuhookCore
import AcuhookStore
import PostgresNIO

extension PostgresEventStore {
    /// Deliveries newest first, below `before` (keyset pagination), each with its events' types.
    public func deliveries(_ filter: DeliveryFilter, before: Int64?, limit: Int) async throws(StoreError) -> [DeliverySummary] {
        var conditions = Conditions()
        conditions.add({ "d.id < \($0)" }, before ?? Int64.max)
        if let source = filter.source { conditions.add({ "d.source = \($0)" }, source) }
        if let since = filter.sinceUnixMilliseconds { conditions.add({ "d.received_at >= \($0)" }, since) }
        if let until = filter.untilUnixMilliseconds { conditions.add({ "d.received_at < \($0)" }, until) }
        if let type = filter.eventType { conditions.add({ "EXISTS (SELECT 1 FROM events t WHERE t.delivery_id = d.id AND t.event_type = \($0))" }, type) }
        let sql = """
            SELECT d.id, d.source, d.idempotency_key, d.format, d.received_at, d.client_address,
                   ARRAY(SELECT event_type FROM events e WHERE e.delivery_id = d.id ORDER BY e.position)
            FROM deliveries d WHERE \(conditions.sql) ORDER BY d.id DESC LIMIT \(max(0, limit))
            """
        let bound = conditions.binds
        return try await run("cannot list deliveries", long: true) { connection in
            var summaries: [DeliverySummary] = []
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bound), logger: quiet)
            for try await (id, source, key, format, received, client, types) in rows.decode((Int64, String, String, String, Int64, String, [String]).self) {
                summaries.append(DeliverySummary(id: id, source: source, idempotencyKey: key, format: format, receivedAtUnixMilliseconds: received, clientAddress: client, eventTypes: types))
            }
            return summaries
        }
    }

    /// One delivery whole: its row, events, their jobs and every attempt (four reads on one connection).
    public func delivery(_ id: Int64) async throws(StoreError) -> DeliveryRecord? {
        try await run("cannot read the delivery", long: true) { connection in
            var found: (DeliverySummary, String, ByteBuffer)?
            for try await (id, source, key, format, received, client, headers, body) in try await connection.query(
                "SELECT id, source, idempotency_key, format, received_at, client_address, headers, body FROM deliveries WHERE id = \(id)", logger: quiet
            ).decode((Int64, String, String, String, Int64, String, String, ByteBuffer).self) {
                found = (DeliverySummary(id: id, source: source, idempotencyKey: key, format: format, receivedAtUnixMilliseconds: received, clientAddress: client, eventTypes: []), headers, body)
            }
            guard let found else { return nil }
            var summary = found.0
            let (headers, body) = (found.1, found.2)
            var events: [StoredEvent] = []
            for try await row in try await connection.query(
                "SELECT \(unescaped: EventColumns.sql) FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE e.delivery_id = \(id) ORDER BY e.position",
                logger: quiet
            ) { events.append(try EventColumns.event(row.makeRandomAccess())) }
            summary.eventTypes = events.map(\.event.eventType)
            var jobs: [Int64: [DeliveryRecord.Job]] = [:]
            for try await (jobID, event, plugin, state, attempts, due, reason, replay) in try await connection.query(
                "SELECT id, event_id, plugin, state, attempts, due_at, dead_reason, replay FROM jobs WHERE event_id = ANY(\(events.map(\.id))) ORDER BY id", logger: quiet
            ).decode((Int64, Int64, String, String, Int32, Int64, String?, Int64?).self) {
                var job = DeliveryRecord.Job(
                    id: jobID, plugin: plugin, state: JobState(rawValue: state) ?? .pending, attempts: Int(attempts), dueAtUnixMilliseconds: due,
                    deadReason: reason.flatMap(DeadLetterReason.init(rawValue:)), history: []
                )
                job.replay = replay
                jobs[event, default: []].append(job)
            }
            let history = try await Self.attempts(of: jobs.values.flatMap { $0.map(\.id) }, on: connection)
            return DeliveryRecord(
                summary: summary, headers: StoredForm.headers(headers), body: Array(buffer: body),
                events: events.map { event in
                    DeliveryRecord.Event(stored: event, jobs: (jobs[event.id] ?? []).map { job in
                        var job = job
                        job.history = history[job.id] ?? []
                        return job
                    })
                }
            )
        }
    }

    /// Puts jobs back in the queue with a fresh attempt budget (not running or superseded ones),
    /// and wakes every instance.
    public func requeue(jobIDs: [Int64], nowUnixMilliseconds now: Int64) async throws(StoreError) -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        let requeued = try await count("cannot requeue jobs", long: true, """
            WITH r AS (
                UPDATE jobs SET state = 'pending', attempts = 0, due_at = \(now), dead_reason = NULL, last_delay_ms = NULL, lease_until = NULL, updated_at = \(now)
                WHERE state NOT IN ('running', 'superseded') AND id = ANY(\(jobIDs))
                RETURNING 1)
            SELECT count(*) FROM r
            """)
        if requeued > 0 { try await notifyNewJobs() }
        return requeued
    }

    /// Requeues every job of the delivery's events.
    public func requeue(deliveryID: Int64, nowUnixMilliseconds now: Int64) async throws(StoreError) -> Int {
        let ids = try await run("cannot read the delivery's jobs") { connection in
            var ids: [Int64] = []
            for try await id in try await connection.query(
                "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.delivery_id = \(deliveryID)", logger: quiet
            ).decode(Int64.self) { ids.append(id) }
            return ids
        }
        return try await requeue(jobIDs: ids, nowUnixMilliseconds: now)
    }
}
