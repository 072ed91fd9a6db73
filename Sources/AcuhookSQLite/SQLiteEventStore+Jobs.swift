import AcuhookStore
import AcuhookCore
import GRDB

extension SQLiteEventStore {
    /// Leases, per plugin, up to its number of due jobs. Shares the next group commit with
    /// deliveries and outcomes, in a savepoint: a failed claim does not undo the others' writes.
    public func claimJobs(perPlugin limits: [String: Int], lease: Duration, nowUnixMilliseconds: Int64) async throws(StoreError) -> [ClaimedJob] {
        let leaseMilliseconds = lease.wholeMilliseconds
        let claimed = try await shared { db, _ in
            try GroupCommitWriter.savepoint(db) {
                try Schema.claim(now: nowUnixMilliseconds, perPlugin: limits, leaseMilliseconds: leaseMilliseconds, in: db)
            }
        }
        switch claimed {
        case .success(let jobs): return jobs
        case .failure(let error): throw StoreError(.unavailable, "cannot claim jobs", underlying: error)
        }
    }

    /// Commits how claimed jobs ended, sharing the transaction with whatever else waits.
    @discardableResult
    public func complete(_ completions: [JobCompletion]) async throws(StoreError) -> [DerivedEventRefusal] {
        guard !completions.isEmpty else { return [] }
        let results = try await shared { db, batch in
            try completions.map { completion in try Schema.complete(completion, now: batch.nowUnixMilliseconds, ids: &batch.deliveryIDs, in: db) }
        }
        var refusals: [DerivedEventRefusal] = []
        var stale: [Int64] = []
        for (completion, result) in zip(completions, results) {
            switch result {
            case .applied(let refusal): if let refusal { refusals.append(refusal) }
            case .stale: stale.append(completion.jobID)
            }
        }
        if !stale.isEmpty { StaleCompletions.report(stale, logger: logger, metricsFactory: metricsFactory) }
        return refusals
    }

    /// Gives claimed jobs back without counting an attempt.
    public func release(_ jobs: [ClaimedJob], nowUnixMilliseconds: Int64) async throws(StoreError) {
        guard !jobs.isEmpty else { return }
        let claims = jobs.map { ($0.id, $0.claim) }
        try await write("cannot release claimed jobs") { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE jobs SET state = 'pending', lease_until = NULL, due_at = MIN(due_at, ?), updated_at = ? WHERE id = ? AND state = 'running' AND claim = ?"
            )
            for (id, claim) in claims {
                try statement.execute(arguments: [nowUnixMilliseconds, nowUnixMilliseconds, id, claim])
            }
        }
    }

    /// Jobs per state (states without jobs are left out).
    public func jobCounts() async throws(StoreError) -> [JobState: Int] {
        try await read("cannot count jobs") { db in
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM jobs GROUP BY state") {
                if let state = JobState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// Jobs by state, earliest due pending job and due jobs per plugin, dead letters by plugin
    /// and reason: three scans of the `jobs_plugin_due` index (state, plugin, due_at), in one read.
    public func queueSummary(nowUnixMilliseconds now: Int64) async throws(StoreError) -> QueueSummary {
        try await read("cannot summarise the queue") { db in
            var summary = QueueSummary()
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM jobs GROUP BY state") {
                if let state = JobState(rawValue: row[0]) { summary.jobs[state] = row[1] }
            }
            let pending = "SELECT plugin, MIN(due_at), SUM(due_at <= ?) FROM jobs WHERE state = 'pending' GROUP BY plugin"
            for row in try Row.fetchAll(db, sql: pending, arguments: [now]) {
                summary.earliestDueByPlugin[row[0]] = row[1]
                let due: Int = row[2]
                if due > 0 { summary.dueByPlugin[row[0]] = due }
            }
            let dead = "SELECT plugin, dead_reason, COUNT(*) FROM jobs WHERE state = 'dead' GROUP BY plugin, dead_reason ORDER BY plugin, dead_reason"
            for row in try Row.fetchAll(db, sql: dead) {
                let reason = DeadLetterReason(rawValue: row[1] ?? "") ?? .exhausted
                summary.deadLetters.append(.init(plugin: row[0], reason: reason, count: row[2]))
            }
            return summary
        }
    }
}
