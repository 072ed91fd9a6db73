import AcuhookAlerts
import AcuhookCore
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import Logging

extension AcuhookApplication {
    /// The alert monitor of `settings`, observing the running plugins, the store and the
    /// receiver's sources.
    static func alertMonitor(
        _ settings: AlertSettings,
        plugins: PluginHost<ContinuousClock>,
        store: any EventStore,
        pipeline: DeliveryPipeline,
        logger: Logger
    ) -> AlertMonitor {
        let wallClock = SystemWallClock()
        let notifier = AlertNotifier(webhooks: settings.webhooks, retry: settings.retry, logger: logger)
        return AlertMonitor(settings: settings, notifier: notifier, logger: logger) {
            var observation = AlertObservation(nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
            for (name, runner) in plugins.runners {
                let statistics = runner.statistics
                observation.plugins[name] = .init(breaker: runner.breakerState, calls: statistics.calls, failures: statistics.failures)
            }
            for (name, meter) in pipeline.sourceMeters {
                observation.lastDeliveryBySource[name] = meter.lastDeliveryUnixMilliseconds
            }
            observation.deadLetters = try? await store.queueSummary().deadLetterTotal
            do {
                try await store.checkWritable()
            } catch {
                observation.storeFailure = "\(error)"
            }
            return observation
        }
    }
}
