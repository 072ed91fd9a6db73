import AcuhookCore
import AcuhookInbound
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging

/// Per-request CPU cost of each step of the receive path, in one process, no HTTP.
func runReceivePathBenchmark(iterations: Int) async throws {
    let body = Array(benchmarkBody().utf8)
    let secret = "bench-secret"
    let signature = HMACSignatureAuthenticator.sign(body, secret: secret)
    let headers = DeliveryHeaders([
        ("content-type", "application/json"), ("x-acumatica-event", "Customer.Updated"), ("x-acumatica-signature", signature),
        ("x-acumatica-delivery", "d"), ("user-agent", "wrk"), ("host", "127.0.0.1"),
    ])
    let authenticator = HMACSignatureAuthenticator(secrets: [secret])
    let normalizer = DeliveryNormalizer()

    func time(_ name: String, _ body: () throws -> Void) rethrows {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        let elapsed = start.duration(to: .now)
        let us = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(iterations)
        print("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f µs", us))
    }
    print("receive path steps, \(iterations) iterations, \(body.count)-byte seed body")
    let onlyStore = ProcessInfo.processInfo.environment["ONLY_STORE"] != nil
    if !onlyStore {
    try time("HMAC verification") { _ = try authenticator.authenticate(body: body, headers: headers, nowUnixSeconds: 0) }
    try time("normalise (seed)") { _ = try normalizer.normalize(body: body, headers: headers) }
    let data = Data(body)
    try time("JSONParser.parse (Acuhook's)") { _ = try JSONParser.parse(body) }
    time("UTF-8 validation") { _ = String(validating: body, as: UTF8.self) }
    try time("JSONSerialization.jsonObject (reference)") { _ = try JSONSerialization.jsonObject(with: data) }
    try time("JSONDecoder → JSONValue tree (reference)") { _ = try JSONDecoder().decode(JSONValue.self, from: data) }
    time("headers of a request (DeliveryHeaders)") {
        _ = DeliveryHeaders([("content-type", "application/json"), ("x-acumatica-event", "Customer.Updated"), ("x-acumatica-signature", signature)])
    }

    }
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let dbPath = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-bench-\(UUID().uuidString).db").path
    let sqlite = try SQLiteEventStore(configuration: .init(path: dbPath), logger: logger)
    let stores: [(String, any EventStore)] = onlyStore ? [("SQLite store", sqlite)] : [("in-memory store", InMemoryEventStore()), ("SQLite store", sqlite)]
    for (name, store) in stores {
        let pipeline = try DeliveryPipeline(
            server: ServerSettings(),
            sources: [SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: [secret]))],
            store: store, retention: .seconds(60), logger: logger
        )
        let start = ContinuousClock.now
        // 32 requests in flight, as in the HTTP benchmark, so the store can group commits.
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    for n in stride(from: worker, to: iterations, by: 32) {
                        let h = DeliveryHeaders([
                            ("content-type", "application/json"), ("x-acumatica-event", "Customer.Updated"), ("x-acumatica-signature", signature),
                            ("x-acumatica-delivery", "d\(n)"),
                        ])
                        guard case .proceed(let admitted) = pipeline.preflight(source: "acumatica", contentType: "application/json", contentLength: body.count, headers: h, peer: "127.0.0.1") else { fatalError() }
                        let outcome = await pipeline.deliver(admitted, body: body, headers: h)
                        precondition(outcome.status == 200)
                    }
                }
            }
        }
        let elapsed = start.duration(to: .now)
        let us = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(iterations)
        print("  " + "preflight + deliver, \(name)".padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f µs", us))
    }
}

/// The ~1 KB seed-format body the receive benchmarks send.
func benchmarkBody() -> String {
    var data = #""CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Benchmark Customer"},"Status":{"value":"Active"}"#
    for i in 0..<27 { data += #","Attribute\#(String(format: "%02d", i))":{"value":"some attribute value"}"# }
    return #"{"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"CUST001","tenantId":"MyCompany","userId":"admin","data":{\#(data)},"changes":[],"metadata":{"source":"WebUI","correlationId":"bench"}}"#
}
