import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import NIOPosix

/// A guide-format event for the tests.
func seedEvent(type: String, entityId: String, data: String = "{}", attempt: Int = 1) -> PluginEvent {
    let entity = String(EventTypeName.entity(of: type))
    let json = """
        {"eventType":"\(type)","timestamp":"2024-01-15T10:30:00Z","entityType":"\(entity)","entityId":"\(entityId)",\
        "tenantId":"MyCompany","data":\(data),"metadata":{"correlationId":"c-1"}}
        """
    return PluginEvent(
        eventType: type,
        entityType: entity,
        entityId: entityId,
        deliveryId: "d-1",
        tenant: "MyCompany",
        receivedAtUnixMilliseconds: 1_705_314_600_000,
        json: Array(json.utf8)
    )
}

/// Loads and creates one plugin.
func makeInstance(_ product: String, config: String = "{}", logger: Logger = Logger(label: "test")) throws -> PluginInstance {
    let image = try PluginLoader.load(path: FixturePlugins.path(product), logger: logger)
    return try PluginInstance(image: image, configJSON: Array(config.utf8), logger: logger)
}

/// A runner on its own pool.
func makeRunner<C: Clock>(
    _ product: String,
    clock: C,
    timeout: Duration = .seconds(30),
    maxConcurrency: Int = 4,
    batches: Bool = false,
    breaker: CircuitBreakerSettings = CircuitBreakerSettings(),
    threads: Int = 4,
    logger: Logger = Logger(label: "test"),
    metrics: PluginMetrics? = nil
) throws -> GuardedPluginRunner<C, ThreadPoolTransport<C>> where C.Duration == Duration {
    let pool = NIOThreadPool(numberOfThreads: threads)
    pool.start()
    return GuardedPluginRunner(
        instance: try makeInstance(product, logger: logger),
        timeout: timeout,
        maxConcurrency: maxConcurrency,
        batches: batches,
        breaker: breaker,
        pool: pool,
        clock: clock,
        logger: logger,
        metrics: metrics
    )
}

extension PluginCallResult {
    var outputText: String? { output.map { String(decoding: $0, as: UTF8.self) } }
}
