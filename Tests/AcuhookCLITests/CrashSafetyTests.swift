import AcuhookInbound
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// "An answered 200 survives kill -9": deliveries are sent while `acuhook serve` is killed with
/// SIGKILL at random moments and restarted; every delivery that was answered 200 must reach its
/// plugin (at least once) or be in the dead-letter queue.
@Suite(.serialized) struct CrashSafetyTests {
    @Test(.timeLimit(.minutes(5)))
    func everyAcknowledgedDeliveryIsDispatchedAfterSIGKILLAndRestart() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let output = dir.appendingPathComponent("customers.jsonl")
        let config = dir.appendingPathComponent("acuhook.yaml")
        try """
            server: {host: 127.0.0.1, port: 0}
            store: {path: data/inbox.db}
            sources:
              - name: erp
                auth: {scheme: hmac-sha256, secrets: [crash-secret]}
            dispatch:
              lease: 1s
              idle_poll: 50ms
              retry: {base_delay: 50ms, max_delay: 200ms, max_attempts: 20, jitter: none}
            plugins:
              - path: \(FixturePlugins.path("CustomerSync"))
                config: {output: \(output.path)}
            """.write(to: config, atomically: true, encoding: .utf8)

        var acknowledged: Set<String> = []
        var sent = 0
        for round in 0..<4 {
            let server = try await ServeCommandTests.Server.start(arguments: ["--config", config.path], in: dir)
            // Kill it once a random number of deliveries were answered, while more are in flight
            // (counted in answers, not requests sent: on a loaded machine answers lag behind).
            let killAfter = Int.random(in: 5...25)
            let answered = AnswerCount()
            try await withThrowingTaskGroup(of: String?.self) { group in
                var killed = false
                for index in 0..<40 {
                    let id = "R\(round)-\(index)"
                    sent += 1
                    group.addTask {
                        let ok = try await Self.post(id: id, port: server.port)
                        if ok { answered.add() }
                        return ok ? id : nil
                    }
                    if !killed, answered.value >= killAfter {
                        kill(server.process.processIdentifier, SIGKILL)
                        killed = true
                    }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...15)))
                }
                if !killed {
                    let deadline = ContinuousClock.now + .seconds(20)
                    while answered.value < killAfter, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                    kill(server.process.processIdentifier, SIGKILL)
                }
                for try await id in group {
                    if let id { acknowledged.insert(id) }
                }
            }
            _ = await server.stop()
        }
        #expect(acknowledged.count >= 20, "too few deliveries were acknowledged to test anything (\(acknowledged.count) of \(sent))")

        // Restart once more and let the dispatcher finish, reclaiming jobs whose lease expired.
        let server = try await ServeCommandTests.Server.start(arguments: ["--config", config.path], in: dir)
        let deadline = ContinuousClock.now + .seconds(60)
        var missing = acknowledged
        while ContinuousClock.now < deadline {
            let lines = ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n")
            let written = Set(lines.compactMap { line -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return object["id"] as? String
            })
            missing = acknowledged.subtracting(written)
            if missing.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(await server.stop() == 0)
        let store = try SQLiteEventStore(configuration: .init(path: dir.appendingPathComponent("data/inbox.db").path), logger: Logger(label: "test"))
        let dead = Set(try await store.deadLetters().map(\.event.event.entityId))
        #expect(missing.subtracting(dead).isEmpty, "acknowledged but neither dispatched nor dead-lettered: \(missing.subtracting(dead).sorted())")
    }

    /// POSTs one signed delivery; true when it was answered 200.
    static func post(id: String, port: Int) async throws -> Bool {
        let body = Array(#"{"eventType":"Customer.Updated","entityType":"Customer","entityId":"\#(id)","data":{"CustomerID":{"value":"\#(id)"},"CustomerName":{"value":"Crash Test"}}}"#.utf8)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/webhooks/erp")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(id, forHTTPHeaderField: "X-Acumatica-Delivery")
        request.setValue(HMACSignatureAuthenticator.sign(body, secret: "crash-secret"), forHTTPHeaderField: "X-Acumatica-Signature")
        request.httpBody = Data(body)
        request.timeoutInterval = 5
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode == 200
        } catch {
            return false  // refused or cut off by the kill: not acknowledged
        }
    }
}

/// Answers counted across the sending tasks.
private final class AnswerCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
