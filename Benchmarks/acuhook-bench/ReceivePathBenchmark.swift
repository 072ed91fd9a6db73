import AcuhookCore
import AcuhookInbound
import AcuhookSQLite
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import AcuhookJSON

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
        let us = (elapsed.inSeconds * 1e6) / Double(iterations)
        print("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f µs", us))
    }
    print("receive path steps, \(iterations) iterations, \(body.count)-byte seed body")
    // ONLY_STORE=1: only the SQLite store run; ONLY_PIPELINE=1: only the answering-store run (for `perf`).
    let onlyStore = ProcessInfo.processInfo.environment["ONLY_STORE"] != nil
    let onlyPipeline = ProcessInfo.processInfo.environment["ONLY_PIPELINE"] != nil
    if !onlyStore && !onlyPipeline {
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
    func pipeline(_ store: any Inbox) throws -> DeliveryPipeline {
        try DeliveryPipeline(
            server: ServerSettings(),
            sources: [SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: [secret]))],
            store: store, retention: .seconds(60), logger: logger
        )
    }
    /// Delivery `n` (its own delivery id) through preflight and deliver; it must be accepted.
    @Sendable func deliver(_ n: Int, through pipeline: DeliveryPipeline) async {
        let headers = DeliveryHeaders([
            ("content-type", "application/json"), ("x-acumatica-event", "Customer.Updated"), ("x-acumatica-signature", signature),
            ("x-acumatica-delivery", "d\(n)"),
        ])
        guard case .proceed(let admitted) = pipeline.preflight(source: "acumatica", contentType: "application/json", contentLength: body.count, headers: headers, peer: "127.0.0.1") else { fatalError() }
        let outcome = await pipeline.deliver(admitted, body: body, headers: headers)
        precondition(outcome.status == 200)
    }
    func report(_ name: String, since start: ContinuousClock.Instant) {
        let elapsed = start.duration(to: .now)
        let us = (elapsed.inSeconds * 1e6) / Double(iterations)
        print("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f µs", us))
    }
    if !onlyStore {
        // The receive path's own work, one delivery at a time, with a store that only answers.
        let answering = try pipeline(AnsweringStore())
        let start = ContinuousClock.now
        for n in 0..<iterations { await deliver(n, through: answering) }
        report("preflight + deliver, answering store", since: start)
        if onlyPipeline { return }
    }
    let dbPath = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-bench-\(UUID().uuidString).db").path
    let sqlite = try SQLiteEventStore(configuration: .init(path: dbPath), logger: logger)
    let stores: [(String, any Inbox)] = onlyStore ? [("SQLite store", sqlite)] : [("in-memory store", InMemoryInbox()), ("SQLite store", sqlite)]
    for (name, store) in stores {
        let shared = try pipeline(store)
        let start = ContinuousClock.now
        // 32 requests in flight, as in the HTTP benchmark, so the store can group commits.
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    for n in stride(from: worker, to: iterations, by: 32) { await deliver(n, through: shared) }
                }
            }
        }
        report("preflight + deliver, \(name)", since: start)
        if let ticks = threadCPUTicks(named: "acuhook-writer") {
            // Linux counts thread CPU time in clock ticks of 10 ms.
            print("  " + "  store writer thread CPU".padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f µs", Double(ticks) * 10_000 / Double(iterations)))
        }
    }
}

/// CPU time (user + system, in clock ticks) of this process's threads named `name`, from
/// `/proc/self/task/*/stat`; nil when there is none (or no /proc).
func threadCPUTicks(named name: String) -> Int? {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
    var total: Int? = nil
    for task in tasks {
        guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
            comm.trimmingCharacters(in: .whitespacesAndNewlines) == name,
            let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { continue }
        // Fields after the command name: state is the 3rd field; utime and stime the 14th and 15th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
        total = (total ?? 0) + user + system
    }
    return total
}

/// The ~1 KB guide-format body the receive benchmarks send.
func benchmarkBody() -> String {
    var data = #""CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Benchmark Customer"},"Status":{"value":"Active"}"#
    for i in 0..<27 { data += #","Attribute\#(String(format: "%02d", i))":{"value":"some attribute value"}"# }
    return #"{"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"CUST001","tenantId":"MyCompany","userId":"admin","data":{\#(data)},"changes":[],"metadata":{"source":"WebUI","correlationId":"bench"}}"#
}

/// A store that stores nothing and answers at once: the receive path's own cost, without a store.
private struct AnsweringStore: Inbox {
    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        completion(.success(.accepted(deliveryID: 1, eventIDs: delivery.events.indices.map { Int64($0 + 1) })))
    }
    func checkWritable() async throws(StoreError) {}
    func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func reclaimFreePages(limit: Int) async throws(StoreError) -> Int { 0 }
    func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] { [] }
}
