import AcuhookCore
import AcuhookInbound
import AcuhookSQLite
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsTestKit
import NIOCore
import ServiceLifecycle

/// A receiver on a fresh SQLite file, for one test.
struct TestReceiver {
    let store: SQLiteEventStore
    let storePath: String
    let pipeline: DeliveryPipeline
    let server: ServerSettings
    let logs: RecordingLogHandler.Store
    /// Where the receiver's and the store's metrics go.
    let metrics: TestMetrics

    static let seedSecret = "seed-secret"

    static func defaultSources() -> [SourceSettings] {
        var push = SourceSettings(name: "push", authentication: .headerSecret(header: "CustomAuthorization", values: ["push-token"]))
        push.normalizer.format = .pushNotification
        push.normalizer.pushRoutes = ["Stock Items": PushRoute(entity: "StockItem", keyColumns: ["InventoryID"])]
        return [
            SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: [seedSecret, "rotated-secret"])),
            push,
        ]
    }

    init(sources: [SourceSettings] = defaultSources(), server: ServerSettings = ServerSettings(), busyTimeout: Duration = .seconds(5), maxSizeBytes: Int? = nil) throws {
        let logs = RecordingLogHandler.Store()
        let logger = RecordingLogHandler.logger(logs)
        let metrics = TestMetrics()
        storePath = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        var configuration = SQLiteEventStore.Configuration(path: storePath)
        configuration.busyTimeout = busyTimeout
        configuration.maxSizeBytes = maxSizeBytes
        store = try SQLiteEventStore(configuration: configuration, logger: logger, metricsFactory: metrics)
        pipeline = try DeliveryPipeline(server: server, sources: sources, store: store, retention: .seconds(3 * 86_400), logger: logger, metricsFactory: metrics)
        self.metrics = metrics
        self.server = server
        self.logs = logs
    }

    func application(
        ready: Bool = true,
        protection: ListenerProtection? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let store = store
        return try Receiver.makeApplication(
            pipeline: pipeline,
            server: server,
            readiness: {
                do {
                    try await store.checkWritable()
                    return Readiness(ready: ready, checks: ["store": "ok", "plugins": ready ? "ok" : "1 plugin(s) failed to load"])
                } catch {
                    return Readiness(ready: false, checks: ["store": "\(error)"])
                }
            },
            logger: Logger(label: "test"),
            protection: protection,
            onServerRunning: onServerRunning
        )
    }

    /// Runs the application for the duration of `body`, which gets the port it listens on (see
    /// ``withLiveApplication(_:_:)``). The settings' port should be 0 (any free one).
    func withLiveServer(protection: ListenerProtection? = nil, _ body: (Int) async throws -> Void) async throws {
        try await withLiveApplication({ running in try application(protection: protection, onServerRunning: running) }, body)
    }
}

let seedBody = """
    {"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"CUST001","tenantId":"MyCompany","userId":"admin",\
    "data":{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Updated Customer Name"},"Status":{"value":"Active"}},\
    "changes":[{"field":"CustomerName","oldValue":"Old Customer Name","newValue":"Updated Customer Name"}],\
    "metadata":{"source":"WebUI","correlationId":"12345-67890-abcdef"}}
    """

/// Headers of a correctly signed seed delivery.
func signedHeaders(_ body: String, secret: String = TestReceiver.seedSecret, delivery: String? = "dlv-\(UUID().uuidString)", contentType: String = "application/json") -> HTTPFields {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    headers[HTTPField.Name("X-Acumatica-Event")!] = "Customer.Updated"
    headers[HTTPField.Name("X-Acumatica-Signature")!] = HMACSignatureAuthenticator.sign(Array(body.utf8), secret: secret)
    if let delivery { headers[HTTPField.Name("X-Acumatica-Delivery")!] = delivery }
    return headers
}

extension TestResponse {
    /// The JSON body as a dictionary.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
    var code: String? { json["code"] as? String }
}

func header(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }

/// Runs the application `make` builds (handing it the `onServerRunning` to call) for the
/// duration of `body`, which gets the port it listens on — with no connection of a test
/// client's open, as HummingbirdTesting's live client keeps one.
func withLiveApplication<App: ApplicationProtocol>(
    _ make: (@escaping @Sendable (any Channel) async -> Void) throws -> App,
    _ body: (Int) async throws -> Void
) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = try make { channel in continuation.yield(channel.localAddress?.port ?? 0) }
    let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()  // the server did not start: its error
            return
        }
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
