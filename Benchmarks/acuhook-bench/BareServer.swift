import AcuhookInbound
import AcuhookServer
import AcuhookTesting
import Hummingbird
import Logging

/// The reference for the receive benchmark: Hummingbird's cheapest useful POST route — read the
/// body (up to 1 MiB) and answer a fixed JSON body. No verification, no parsing, no storage.
func runBareServer(port: Int) async throws {
    var logger = Logger(label: "bare")
    logger.logLevel = .warning
    let router = Router()
    router.post("/webhooks/{source}") { request, _ -> Response in
        _ = try await request.body.collect(upTo: 1 << 20)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"received":true}"#)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    try await app.runService()
}

/// Acuhook's receiver with the in-memory store: separates the store's cost from the rest.
func runMemoryServer(port: Int) async throws {
    var logger = Logger(label: "memory")
    logger.logLevel = .warning
    var server = ServerSettings()
    server.port = port
    let pipeline = try DeliveryPipeline(
        server: server,
        sources: [SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: ["bench-secret"]))],
        store: InMemoryInbox(),
        retention: .seconds(60),
        logger: logger
    )
    let app = try Receiver.makeApplication(pipeline: pipeline, server: server, readiness: { Readiness(ready: true, checks: [:]) }, logger: logger)
    try await app.runService()
}
