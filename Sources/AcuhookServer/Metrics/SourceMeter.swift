import AcuhookCore
import CoreMetrics
import Synchronization

/// What one source's deliveries were answered: its metrics, and the counts `/health` and the
/// alerts read.
///
/// Series (Prometheus names): `acuhook_deliveries_total{source,code,duplicate}`,
/// `acuhook_delivery_duration_seconds{source}` (head read → answer written) and
/// `acuhook_events_stored_total{source}`. The label values are bounded: configured source names
/// (every unknown name is counted as `_unknown`) and HTTP status codes.
///
/// - Important: Thread-safe; ``record(_:since:nowUnixMilliseconds:)`` runs on event loops for
///   every delivery, so the common answers' counters are made once, up front.
public final class SourceMeter: Sendable {
    /// The source's name, the `source` label.
    public let source: String
    private let factory: any MetricsFactory
    private let latency: CoreMetrics.Timer
    private let eventsStored: Counter
    private let accepted: Counter
    private let duplicates: Counter
    private let refusals = Mutex<[Int: Counter]>([:])
    private let answered = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let lastAccepted = Atomic<Int64>(0)

    /// The meter of `source`, its metrics made by `factory`.
    public init(source: String, factory: any MetricsFactory) {
        self.source = source
        self.factory = factory
        let label = [("source", source)]
        latency = Timer(label: "acuhook_delivery_duration_seconds", dimensions: label, factory: factory)
        eventsStored = Counter(label: "acuhook_events_stored_total", dimensions: label, factory: factory)
        accepted = Counter(label: "acuhook_deliveries_total", dimensions: label + [("code", "200"), ("duplicate", "false")], factory: factory)
        duplicates = Counter(label: "acuhook_deliveries_total", dimensions: label + [("code", "200"), ("duplicate", "true")], factory: factory)
    }

    /// Records one answered delivery, whose head was read at `started`.
    public func record(_ outcome: ReceiverOutcome, since started: ContinuousClock.Instant, nowUnixMilliseconds: Int64) {
        latency.recordNanoseconds(started.duration(to: .now).wholeNanoseconds)
        if outcome.status / 100 == 2 {
            answered.wrappingAdd(1, ordering: .relaxed)
            lastAccepted.store(nowUnixMilliseconds, ordering: .relaxed)
            if outcome.duplicate {
                duplicates.increment()
            } else {
                accepted.increment()
                if outcome.storedEvents > 0 { eventsStored.increment(by: outcome.storedEvents) }
            }
            return
        }
        failed.wrappingAdd(1, ordering: .relaxed)
        let status = outcome.status
        let counter = refusals.withLock { refusals in
            if let counter = refusals[status] { return counter }
            let counter = Counter(label: "acuhook_deliveries_total", dimensions: [("source", source), ("code", String(status)), ("duplicate", "false")], factory: factory)
            refusals[status] = counter
            return counter
        }
        counter.increment()
    }

    /// Deliveries answered with 2xx (stored, or acknowledged duplicates) since start.
    public var deliveriesProcessed: Int { answered.load(ordering: .relaxed) }
    /// Deliveries refused (any status but 2xx) since start.
    public var errors: Int { failed.load(ordering: .relaxed) }
    /// When the last 2xx answer was given, ms since the Unix epoch; nil before the first.
    public var lastDeliveryUnixMilliseconds: Int64? {
        let last = lastAccepted.load(ordering: .relaxed)
        return last == 0 ? nil : last
    }
}
