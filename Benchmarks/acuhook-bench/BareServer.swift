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
