import AcuhookCore
import AcuhookStore
import PostgresNIO

extension PostgresEventStore {
    /// Leases, per plugin, up to its number of due jobs: `FOR UPDATE SKIP LOCKED` in a CTE (so
    /// `LIMIT` holds and two instances never take the same job), each claim raising the job's
    /// claim token. Jobs whose lease expired are returned to the queue first (at most once a
    /// second per instance), keeping their due time: they come first.
    ///
    /// Every step is an index look-up whatever the planner guesses of the batch's size: the
    /// jobs by primary key (`= ANY(ARRAY(…))`), each event and delivery by a lateral join.
    ///
    /// An ordered job is taken only when no job of its lane runs and none with an earlier
    /// ordering key waits; the `jobs_lane_running` unique index refuses a second running job
    /// of a lane whatever happens.
    public func claimJobs(perPlugin limits: [String: Int], lease: Duration, nowUnixMilliseconds now: Int64) async throws(StoreError) -> [ClaimedJob] {
        let wanted = limits.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        guard !wanted.isEmpty else { return [] }
        try await rescueExpiredLeases(now: now)
        let binds = Self.binds(wanted.map(\.key), wanted.map { Int32(clamping: $0.value) }, now, now + lease.wholeMilliseconds, instance)
        return try await run("cannot claim jobs") { connection in
            var claimed: [ClaimedJob] = []
            for try await row in try await connection.execute(Prepared.Claim(bindings: binds), logger: quiet) {
                let cells = row.makeRandomAccess()
                var job = ClaimedJob(
                    id: try cells[0].decode(Int64.self), plugin: try cells[1].decode(String.self), claim: try cells[2].decode(Int64.self),
                    attempt: Int(try cells[3].decode(Int32.self)) + 1, previousDelayMilliseconds: try cells[4].decode(Int64?.self),
                    event: try EventColumns.event(cells, at: 6)
                )
                job.replay = try cells[5].decode(Int64?.self)
                claimed.append(job)
            }
            return claimed
        }
    }

    /// The claim statement ($1 plugins, $2 their limits, $3 now, $4 the lease's end, $5 this instance).
    package static let claimSQL = """
        WITH picked AS (
            SELECT c.id FROM unnest($1::text[], $2::int4[]) AS w(plugin, lim) CROSS JOIN LATERAL (
                SELECT j.id FROM jobs j
                WHERE j.state = 'pending' AND j.plugin = w.plugin AND j.due_at <= $3 AND (j.lane IS NULL OR NOT EXISTS (
                    SELECT 1 FROM jobs o
                    WHERE o.lane = j.lane AND o.id <> j.id AND o.state IN ('pending', 'running') AND (
                        o.state = 'running' OR o.lane_order < j.lane_order OR (o.lane_order = j.lane_order AND o.id < j.id))))
                ORDER BY j.due_at, j.id LIMIT w.lim
                FOR UPDATE SKIP LOCKED
            ) AS c
        ), claimed AS (
            UPDATE jobs j SET state = 'running', lease_until = $4, updated_at = $3, claim = j.claim + 1, claimed_by = $5
            WHERE j.id = ANY(ARRAY(SELECT id FROM picked))
            RETURNING j.id, j.plugin, j.claim, j.attempts, j.last_delay_ms, j.replay, j.event_id, j.due_at
        )
        SELECT c.id, c.plugin, c.claim, c.attempts, c.last_delay_ms, c.replay, ev.*
        FROM claimed c CROSS JOIN LATERAL (
            SELECT \(EventColumns.sql) FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE e.id = c.event_id
        ) AS ev
        ORDER BY c.due_at, c.id
        """

    /// Running jobs whose lease expired (their dispatcher died or stalled) go back to pending,
    /// attempts unchanged: the next claim takes them. Runs at most once a second per instance.
    private func rescueExpiredLeases(now: Int64) async throws(StoreError) {
        let last = lastRescue.load(ordering: .relaxed)
        guard now - last >= 1_000, lastRescue.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        let rescued = try await count("cannot return expired leases", """
            WITH r AS (
                UPDATE jobs SET state = 'pending', lease_until = NULL, updated_at = \(now)
                WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until < \(now) FOR UPDATE SKIP LOCKED)
                RETURNING 1)
            SELECT count(*) FROM r
            """)
        if rescued > 0 { logger.notice("jobs whose lease expired are back in the queue", metadata: ["acuhook.jobs": "\(rescued)"]) }
    }

    /// Commits outcomes in one statement (a transaction when some carry derived events): each
    /// applies only while its job still runs under its claim; the others are reported stale.
    @discardableResult
    public func complete(_ completions: [JobCompletion]) async throws(StoreError) -> [DerivedEventRefusal] {
        guard !completions.isEmpty else { return [] }
        let now = wallClock.nowUnixMilliseconds
        let update = CompletionBatch(completions, now: now).statement
        let applied: (ids: Set<Int64>, refusals: [DerivedEventRefusal])
        if completions.allSatisfy({ $0.derived.isEmpty }) {
            applied = try await run("cannot commit job outcomes") { connection in (try await Self.applied(update, on: connection), []) }
        } else {
            applied = try await transaction("cannot commit job outcomes") { connection in
                let ids = try await Self.applied(update, on: connection)
                var refusals: [DerivedEventRefusal] = []
                for completion in completions where !completion.derived.isEmpty && ids.contains(completion.jobID) {
                    if let refusal = try await self.storeDerived(completion, now: now, on: connection) { refusals.append(refusal) }
                }
                return (ids, refusals)
            }
        }
        let stale = completions.map(\.jobID).filter { !applied.ids.contains($0) }
        if !stale.isEmpty { StaleCompletions.report(stale, logger: logger, metricsFactory: metricsFactory) }
        return applied.refusals
    }

    private static func applied(_ statement: Prepared.Completions, on connection: PostgresConnection) async throws -> Set<Int64> {
        for try await ids in try await connection.execute(statement, logger: quiet) { return Set(ids) }
        return []
    }

    /// Stores a completion's derived events as one delivery of the `derived` source, as many as
    /// its received delivery's budget allows (that row is locked meanwhile: instances completing
    /// jobs of one tree at once count against the budget one after another).
    private func storeDerived(_ completion: JobCompletion, now: Int64, on connection: PostgresConnection) async throws -> DerivedEventRefusal? {
        var root: Int64?
        for try await id in try await connection.query(
            "SELECT COALESCE(d.root_delivery_id, d.id) FROM jobs j JOIN events e ON e.id = j.event_id JOIN deliveries d ON d.id = e.delivery_id WHERE j.id = \(completion.jobID)",
            logger: quiet
        ).decode(Int64.self) { root = id }
        guard let root else { return nil }
        var (used, refusedBefore) = (0, 0)
        for try await (events, refused) in try await connection.query(
            "SELECT derived_events, derived_refused FROM deliveries WHERE id = \(root) FOR UPDATE", logger: quiet
        ).decode((Int32, Int32).self) { (used, refusedBefore) = (Int(events), Int(refused)) }
        let allowed = max(0, min(completion.derived.count, completion.derivedBudget - used))
        let refused = completion.derived.count - allowed
        if allowed > 0 {
            let delivery = Delivery(
                source: "derived", idempotencyKey: "job:\(completion.jobID):attempt:\(completion.attempt?.number ?? 0)", idempotencyKeyOrigin: "derived event",
                format: .derived, receivedAtUnixMilliseconds: now, body: [], headers: [], clientAddress: "-", events: Array(completion.derived.prefix(allowed))
            )
            let batch = DeliveryBatch(deliveries: [delivery], expiries: [now + 3 * 86_400_000], roots: [root])
            _ = try await batch.write(now: now, channel: channel, on: connection)
        }
        try await connection.query(
            "UPDATE deliveries SET derived_events = derived_events + \(Int32(allowed)), derived_refused = derived_refused + \(Int32(refused)) WHERE id = \(root)",
            logger: quiet
        )
        guard refused > 0 else { return nil }
        return DerivedEventRefusal(jobID: completion.jobID, rootDelivery: root, refused: refused, first: refusedBefore == 0)
    }

    /// Gives claimed jobs back, each only while it is still under its claim.
    public func release(_ jobs: [ClaimedJob], nowUnixMilliseconds now: Int64) async throws(StoreError) {
        guard !jobs.isEmpty else { return }
        let binds = Self.binds(jobs.map(\.id), jobs.map(\.claim), now)
        try await run("cannot release claimed jobs") { connection in
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: """
                    UPDATE jobs j SET state = 'pending', lease_until = NULL, due_at = LEAST(j.due_at, $3), updated_at = $3
                    FROM unnest($1::int8[], $2::int8[]) AS r(id, claim)
                    WHERE j.id = r.id AND j.state = 'running' AND j.claim = r.claim
                    """, binds: binds),
                logger: quiet
            )
        }
    }

    /// Jobs per state.
    public func jobCounts() async throws(StoreError) -> [JobState: Int] {
        try await run("cannot count jobs") { connection in try await Self.jobCounts(on: connection) }
    }

    private static func jobCounts(on connection: PostgresConnection) async throws -> [JobState: Int] {
        var counts: [JobState: Int] = [:]
        for try await (state, count) in try await connection.query("SELECT state, count(*) FROM jobs GROUP BY state", logger: quiet).decode((String, Int64).self) {
            if let state = JobState(rawValue: state) { counts[state] = Int(count) }
        }
        return counts
    }

    /// Jobs by state, earliest due pending job per plugin, dead letters by plugin and reason,
    /// read in one snapshot (a repeatable-read transaction).
    public func queueSummary(nowUnixMilliseconds now: Int64) async throws(StoreError) -> QueueSummary {
        try await run("cannot summarise the queue") { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: quiet)
            do {
                var summary = QueueSummary(jobs: try await Self.jobCounts(on: connection))
                for try await (plugin, earliest, due) in try await connection.query(
                    "SELECT plugin, min(due_at), count(*) FILTER (WHERE due_at <= \(now)) FROM jobs WHERE state = 'pending' GROUP BY plugin", logger: quiet
                ).decode((String, Int64, Int64).self) {
                    summary.earliestDueByPlugin[plugin] = earliest
                    if due > 0 { summary.dueByPlugin[plugin] = Int(due) }
                }
                for try await (plugin, reason, count) in try await connection.query(
                    "SELECT plugin, dead_reason, count(*) FROM jobs WHERE state = 'dead' GROUP BY plugin, dead_reason ORDER BY plugin, dead_reason", logger: quiet
                ).decode((String, String?, Int64).self) {
                    summary.deadLetters.append(.init(plugin: plugin, reason: DeadLetterReason(rawValue: reason ?? "") ?? .exhausted, count: Int(count)))
                }
                try await connection.query("COMMIT", logger: quiet)
                return summary
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: quiet)
                throw error
            }
        }
    }
}
