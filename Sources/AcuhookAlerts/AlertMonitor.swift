import AcuhookCore
import CoreMetrics
import Logging
import ServiceLifecycle

/// Checks the alert rules every ``AlertSettings/interval``: takes an observation, lets the
/// ``AlertEvaluator`` decide, logs every alert (firing: warning; resolved: notice) and hands the
/// ones to send to the ``AlertNotifier`` without waiting for them. Counts messages in
/// `acuhook_alerts_total{rule,state}`. A swift-service-lifecycle `Service`: at graceful
/// shutdown it stops checking and drops messages still being retried.
public final class AlertMonitor: Service {
    private let settings: AlertSettings
    private let notifier: AlertNotifier
    private let observe: @Sendable () async -> AlertObservation
    private let logger: Logger
    private let metricsFactory: any MetricsFactory

    /// A monitor of `settings`' rules over what `observe` reads.
    public init(
        settings: AlertSettings,
        notifier: AlertNotifier,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        observe: @escaping @Sendable () async -> AlertObservation
    ) {
        self.settings = settings
        self.notifier = notifier
        self.observe = observe
        self.logger = logger
        self.metricsFactory = metricsFactory
    }

    /// Checks until graceful shutdown or cancellation.
    public func run() async throws {
        var evaluator = AlertEvaluator(settings: settings)
        await withDiscardingTaskGroup { sending in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let decision = evaluator.evaluate(await observe())
                for alert in decision.send + decision.suppressed {
                    let suppressed = !decision.send.contains(alert)
                    log(alert, suppressed: suppressed)
                    Counter(label: "acuhook_alerts_total", dimensions: [("rule", alert.rule.rawValue), ("state", alert.state.rawValue)], factory: metricsFactory)
                        .increment()
                }
                if !notifier.webhooks.isEmpty {
                    for alert in decision.send { sending.addTask { await self.notifier.send(alert) } }
                }
                try? await gracefulShutdownAwareSleep(settings.interval)
            }
            // Stopping: messages still being retried are dropped (each was logged when it fired).
            sending.cancelAll()
        }
    }

    private func gracefulShutdownAwareSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    private func log(_ alert: Alert, suppressed: Bool) {
        var metadata: Logger.Metadata = [
            "acuhook.alert.rule": "\(alert.rule.rawValue)",
            "acuhook.alert.subject": "\(alert.subject)",
            "acuhook.alert.summary": "\(alert.summary)",
        ]
        if suppressed { metadata["acuhook.alert.sent"] = "false (rate-limited)" }
        logger.log(level: alert.state == .firing ? .warning : .notice, alert.state == .firing ? "alert firing" : "alert resolved", metadata: metadata)
    }
}
