import AcuhookCore
import AcuhookStore
import PostgresNIO

/// Job outcomes as one statement: every job's new state from `unnest`ed arrays, applied only
/// while the job runs under the completion's claim; then the attempts of the jobs it changed.
/// Returns the ids of the jobs changed.
struct CompletionBatch {
    /// The statement, bound.
    let statement: Prepared.Completions

    init(_ completions: [JobCompletion], now: Int64) {
        var (ids, claims, states, counted, dues, delays, reasons) = ([Int64](), [Int64](), [String](), [Int32](), [Int64](), [Int64](), [String]())
        var (aJob, aNumber, aStarted, aDuration, aOutcome, aMessage, aHasMessage, aOptional) = ([Int64](), [Int32](), [Int64](), [Int64](), [String](), [String](), [Bool](), [Bool]())
        for completion in completions {
            ids.append(completion.jobID)
            claims.append(completion.claim ?? -1)
            counted.append(completion.attempt == nil ? 0 : 1)
            switch completion.disposition {
            case .done(let skipped):
                states.append(skipped ? JobState.skipped.rawValue : JobState.done.rawValue)
                dues.append(-1)
                delays.append(-1)
                reasons.append("")
            case .retry(let at, let delay):
                states.append(JobState.pending.rawValue)
                dues.append(at)
                delays.append(delay)
                reasons.append("")
            case .held(let until):
                states.append(JobState.pending.rawValue)
                dues.append(until)
                delays.append(-1)
                reasons.append("")
            case .dead(let reason):
                states.append(JobState.dead.rawValue)
                dues.append(-1)
                delays.append(-1)
                reasons.append(reason.rawValue)
            }
            if let attempt = completion.attempt {
                aJob.append(completion.jobID)
                aNumber.append(Int32(clamping: attempt.number))
                aStarted.append(attempt.startedAtUnixMilliseconds)
                aDuration.append(attempt.durationMilliseconds)
                aOutcome.append(attempt.outcome.rawValue)
                aMessage.append(DeliveryBatch.text(attempt.message ?? ""))
                aHasMessage.append(attempt.message != nil)
                // A first-time success is recorded only after earlier history (a replay), as
                // the SQLite store does: its job row says when and how it ended.
                var optional = false
                if case .done = completion.disposition, attempt.number == 1, attempt.outcome == .ok || attempt.outcome == .skipped { optional = true }
                aOptional.append(optional)
            }
        }
        var b = PostgresBindings(capacity: 16)
        b.append(ids); b.append(claims); b.append(states); b.append(counted); b.append(dues); b.append(delays); b.append(reasons); b.append(now)
        b.append(aJob); b.append(aNumber); b.append(aStarted); b.append(aDuration); b.append(aOutcome); b.append(aMessage); b.append(aHasMessage); b.append(aOptional)
        statement = Prepared.Completions(bindings: b)
    }

    static let sql = """
        WITH u AS (
            UPDATE jobs j SET
                state = c.state,
                attempts = j.attempts + c.counted,
                due_at = CASE WHEN c.due >= 0 THEN c.due ELSE j.due_at END,
                last_delay_ms = CASE WHEN c.delay >= 0 THEN c.delay ELSE j.last_delay_ms END,
                dead_reason = CASE WHEN c.state = 'dead' THEN c.reason ELSE j.dead_reason END,
                lease_until = NULL,
                updated_at = $8
            FROM unnest($1::int8[], $2::int8[], $3::text[], $4::int4[], $5::int8[], $6::int8[], $7::text[]) AS c(id, claim, state, counted, due, delay, reason)
            WHERE j.id = c.id AND (c.claim < 0 OR (j.claim = c.claim AND j.state = 'running'))
            RETURNING j.id
        ), a AS (
            INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, message)
            SELECT t.job, t.number, t.started, t.duration, t.outcome, CASE WHEN t.has_message THEN t.message END
            FROM unnest($9::int8[], $10::int4[], $11::int8[], $12::int8[], $13::text[], $14::text[], $15::bool[], $16::bool[])
                AS t(job, number, started, duration, outcome, message, has_message, optional)
            WHERE t.job IN (SELECT id FROM u) AND (NOT t.optional OR EXISTS (SELECT 1 FROM job_attempts x WHERE x.job_id = t.job))
        )
        SELECT ARRAY(SELECT id FROM u)
        """
}
