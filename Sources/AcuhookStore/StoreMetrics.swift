import AcuhookCore
import CoreMetrics

/// The store's commit metrics: `acuhook_store_commit_duration_seconds` (a histogram of group
/// commits), `acuhook_store_commit_deliveries` (deliveries per commit that held any) and
/// `acuhook_store_commit_failures_total`. Both stores report them (PostgreSQL: one per batch
/// statement of deliveries).
public struct StoreMetrics: Sendable {
    private let duration: CoreMetrics.Timer
    private let deliveries: Recorder
    private let failures: Counter

    /// The metrics, made by `factory`.
    public init(factory: any MetricsFactory) {
        duration = Timer(label: "acuhook_store_commit_duration_seconds", factory: factory)
        deliveries = Recorder(label: "acuhook_store_commit_deliveries", factory: factory)
        failures = Counter(label: "acuhook_store_commit_failures_total", factory: factory)
    }

    /// One commit that took `duration` and held `deliveries` deliveries.
    public func committed(after duration: Duration, deliveries: Int) {
        self.duration.recordNanoseconds(duration.wholeNanoseconds)
        if deliveries > 0 { self.deliveries.record(deliveries) }
    }

    /// One commit that failed.
    public func failed() { failures.increment() }
}
