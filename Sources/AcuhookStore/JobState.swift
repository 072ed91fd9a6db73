/// Where a job is in its life. Stored by its raw value.
public enum JobState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting until it is due (new, retrying, held behind an open breaker, or debounced).
    case pending
    /// Claimed by a dispatcher under a lease.
    case running
    /// Handled by the plugin.
    case done
    /// Not for the plugin: skipped by it, or by the route's filter.
    case skipped
    /// In the dead-letter queue.
    case dead
    /// Debounced away: a newer event of the same entity took its place.
    case superseded
}
