import AcuhookCore
/// The jobs: one per (event, plugin), claimed under a lease, completed in batches.
public protocol JobQueue: Sendable {
    /// Leases, per plugin, up to its number of due jobs for `lease` (a dead dispatcher's jobs
    /// return after it). Plugins not named are left alone: their jobs wait in the store.
    func claimJobs(perPlugin limits: [String: Int], lease: Duration, nowUnixMilliseconds: Int64) async throws(StoreError) -> [ClaimedJob]

    /// Commits how claimed jobs ended, with their attempts and derived events (each stored
    /// with its own jobs in the same transaction, within its delivery's derived-event budget).
    /// A completion whose claim is no longer the job's (its lease expired and the job was
    /// claimed again) is dropped, logged and counted. Returns the derived events refused for
    /// want of budget.
    @discardableResult
    func complete(_ completions: [JobCompletion]) async throws(StoreError) -> [DerivedEventRefusal]

    /// Gives claimed jobs back (pending, due now, lease dropped) without counting an attempt:
    /// the dispatcher does this at shutdown for jobs it claimed but never started. A job
    /// claimed again since (another claim token) is left alone.
    func release(_ jobs: [ClaimedJob], nowUnixMilliseconds: Int64) async throws(StoreError)

    /// Calls `handler` whenever another process may have added jobs (a hint, never a promise:
    /// dispatchers poll too). Stores shared by several processes implement it; others ignore it.
    func onNewJobs(_ handler: @escaping @Sendable () -> Void)

    /// How many jobs are in each state.
    func jobCounts() async throws(StoreError) -> [JobState: Int]
    /// Jobs by state, the earliest due pending job and the number due at `now` per plugin, and
    /// dead letters by plugin and reason, read together.
    func queueSummary(nowUnixMilliseconds now: Int64) async throws(StoreError) -> QueueSummary
}

extension JobQueue {
    /// The summary now, by the system clock.
    public func queueSummary() async throws(StoreError) -> QueueSummary {
        try await queueSummary(nowUnixMilliseconds: SystemWallClock().nowUnixMilliseconds)
    }

    /// No hints: the store is not shared with other dispatchers.
    public func onNewJobs(_ handler: @escaping @Sendable () -> Void) {}
}
