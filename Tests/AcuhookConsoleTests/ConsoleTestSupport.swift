import AcuhookAdmin
import AcuhookConsole
import AcuhookCore
import AcuhookInbound
import AcuhookPluginHost
import AcuhookSQLite
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A console over a real SQLite store, a real receiver pipeline and a real plugin host with
/// the scripted fixture plugin, for one test.
struct TestConsole {
    static let token = "console-token-0123456789"
    let store: SQLiteEventStore
    let host: PluginHost<ContinuousClock>
    let pipeline: DeliveryPipeline
    let logs: RecordingLogHandler.Store
    let application: Application<RouterResponder<AcuhookRequestContext>>

    init(token: String? = TestConsole.token, plugin configure: (inout PluginSettings) -> Void = { _ in }) throws {
        let logs = RecordingLogHandler.Store()
        let logger = RecordingLogHandler.logger(logs)
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("console.db").path
        store = try SQLiteEventStore(configuration: .init(path: path), logger: logger)
        var plugin = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        plugin.events = [.prefix("Customer.")]
        configure(&plugin)
        var settings = PluginHostSettings()
        settings.plugins = [plugin]
        host = PluginHost(settings: settings, clock: ContinuousClock(), logger: logger)
        pipeline = try DeliveryPipeline(
            server: ServerSettings(),
            sources: [SourceSettings(name: "erp", authentication: .none), SourceSettings(name: "push", authentication: .none)],
            store: store, retention: .seconds(3600), logger: logger
        )
        let console = try Console(.init(
            store: store, operations: PluginHostOperations(host: host, store: store), pipeline: pipeline, feed: ActivityFeed(), token: token, logger: logger
        ))
        let router = Router(context: AcuhookRequestContext.self)
        console.addRoutes(to: router)
        application = Application(router: router)
        self.logs = logs
    }

    /// Stores a delivery of one event per type, routed to the fixture plugin when its type is a customer's.
    @discardableResult
    func store(key: String, source: String = "erp", types: [String] = ["Customer.Updated"], entity: String = "C1", at time: Int64 = 1_796_000_000_000, body: String? = nil) async throws -> Int64 {
        let text = body ?? #"{"eventType":"\#(types[0])","entityId":"\#(entity)","data":{"TimeStamp":638400000000000001}}"#
        let delivery = Delivery(
            source: source, idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time,
            body: Array(text.utf8), headers: [.init(name: "x-acumatica-delivery", value: key)], clientAddress: "10.0.0.7",
            events: types.map { type in
                InboundEvent(eventType: type, entityType: "Customer", entityId: entity, tenant: "", orderingKey: "", json: Array(text.utf8), plugins: type.hasPrefix("Customer.") ? ["fixture-scripted"] : [])
            }
        )
        guard case .accepted(let id, _) = try await store.accept(delivery, keepKeyFor: .seconds(3600)) else { throw CocoaError(.fileWriteUnknown) }
        return id
    }
}

/// A browser's cookie jar and its session's CSRF token, over the test client.
struct Browser {
    let client: any TestClientProtocol
    var cookie: String?

    /// Signs in with `token` (nil: the open console), keeping the session cookie.
    mutating func signIn(token: String? = TestConsole.token) async throws -> TestResponse {
        let body = token.map { "token=\($0)&next=%2Fconsole%2Fdeliveries" } ?? ""
        let response = try await client.execute(uri: token == nil ? "/console/login" : "/console/login", method: token == nil ? .get : .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
        if let set = response.headers[.setCookie] { cookie = String(set.split(separator: ";")[0]) }
        return response
    }

    func get(_ uri: String) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    func post(_ uri: String, _ form: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    /// The CSRF token the page at `uri` carries in its forms.
    func csrf(on uri: String) async throws -> String? {
        let page = String(buffer: try await get(uri).body)
        guard let range = page.range(of: #"name="csrf" value="[0-9a-f]+""#, options: .regularExpression) else { return nil }
        return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }
}
