import CoreMetrics
import Logging

/// Completions a store dropped because their job was claimed again meanwhile: the dispatcher that
/// sent them lost its lease (it stalled past it, or the database was out of reach), and another
/// claim owns the job now. Both stores report them the same way.
public enum StaleCompletions {
    /// Logs one warning for `jobIDs` and adds them to `acuhook_stale_completions_total`.
    public static func report(_ jobIDs: [Int64], logger: Logger, metricsFactory: any MetricsFactory) {
        Counter(label: "acuhook_stale_completions_total", dimensions: [], factory: metricsFactory).increment(by: jobIDs.count)
        logger.warning(
            "job outcomes dropped: their lease had expired and the jobs were claimed again (the newer claim decides)",
            metadata: ["acuhook.jobs": "\(jobIDs.map(String.init).joined(separator: ","))"]
        )
    }
}
