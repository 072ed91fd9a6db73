/// The jobs: one per (event, plugin), claimed under a lease, completed in batches.
public protocol JobQueue: Sendable {
    /// Leases, per plugin, up to its number of due jobs for `lease` (a dead dispatcher's jobs
    /// return after it). Plugins not named are left alone: their jobs wait in the store.
    func claimJobs(perPlugin limits: [String: Int], lease: Duration, nowUnixMilliseconds: Int64) async throws(StoreError) -> [ClaimedJob]

    /// Commits how claimed jobs ended, with their attempts and derived events (each stored
    /// with its own jobs in the same transaction, within its delivery's derived-event budget).
    /// Returns the derived events refused for want of budget.
    @discardableResult
    func complete(_ completions: [JobCompletion]) async throws(StoreError) -> [DerivedEventRefusal]

    /// Gives claimed jobs back (pending, due now, lease dropped) without counting an attempt:
    /// the dispatcher does this at shutdown for jobs it claimed but never started.
    func release(_ jobIDs: [Int64], nowUnixMilliseconds: Int64) async throws(StoreError)

    /// How many jobs are in each state.
    func jobCounts() async throws(StoreError) -> [JobState: Int]
    /// Jobs by state, the earliest due pending job per plugin and dead letters by plugin and
    /// reason, read together.
    func queueSummary() async throws(StoreError) -> QueueSummary
}
