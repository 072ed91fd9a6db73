import AcuhookAlerts
import AcuhookCore
import AcuhookTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Alert messages over real loopback HTTP to a webhook that fails before it accepts.
@Suite struct AlertNotifierTests {
    /// A webhook answering 500 to its first `failures` posts, then 200; it keeps every body.
    final class Hook: Sendable {
        let failures: Int
        let bodies = Mutex<[Data]>([])
        init(failures: Int) { self.failures = failures }

        var application: some ApplicationProtocol {
            let router = Router()
            router.post("/hook") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 1 << 20)
                let count = self.bodies.withLock { bodies in
                    bodies.append(Data(body.readableBytesView))
                    return bodies.count
                }
                return count <= self.failures ? .internalServerError : .ok
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }
    }

    let alert = Alert(
        rule: .breaker, subject: "customer-sync", state: .firing, summary: "circuit breaker open for 2m; its jobs wait in the store",
        sinceUnixMilliseconds: 1_796_000_000_000, atUnixMilliseconds: 1_796_000_120_000
    )

    func retry(attempts: Int) -> RetryPolicy {
        var retry = AlertSettings().retry
        retry.maxAttempts = attempts
        return retry
    }

    @Test func aMessageIsRetriedUntilTheWebhookTakesItAndCarriesSlackTextAndFields() async throws {
        let hook = Hook(failures: 2)
        let logs = RecordingLogHandler.Store()
        let waits = Mutex<[Duration]>([])
        try await hook.application.test(.live) { client in
            let port = try #require(client.port)
            let notifier = AlertNotifier(
                webhooks: ["http://127.0.0.1:\(port)/hook"], retry: retry(attempts: 5), instance: "erp-gw-1",
                logger: RecordingLogHandler.logger(logs), sleep: { delay in waits.withLock { $0.append(delay) } }
            )
            #expect(await notifier.send(alert) == 1)
        }
        let bodies = hook.bodies.withLock { $0 }
        #expect(bodies.count == 3)
        #expect(waits.withLock { $0 } == [.seconds(1), .seconds(2)])
        let json = try #require(try JSONSerialization.jsonObject(with: bodies[2]) as? [String: Any])
        #expect(json["text"] as? String == "[acuhook] FIRING breaker customer-sync: circuit breaker open for 2m; its jobs wait in the store")
        let fields = try #require(json["alert"] as? [String: Any])
        #expect(fields["rule"] as? String == "breaker" && fields["subject"] as? String == "customer-sync" && fields["state"] as? String == "firing")
        #expect(fields["instance"] as? String == "erp-gw-1")
        #expect(fields["since"] as? String == "2026-11-30T00:53:20.000Z")
        #expect(logs.all.filter { $0.message == "alert not delivered; will retry" }.count == 2)
    }

    @Test func aWebhookThatNeverTakesItIsGivenUpWithOneErrorLine() async throws {
        let hook = Hook(failures: 100)
        let logs = RecordingLogHandler.Store()
        try await hook.application.test(.live) { client in
            let port = try #require(client.port)
            // A second URL nobody listens on fails on its own, without delaying the first.
            let notifier = AlertNotifier(
                webhooks: ["http://127.0.0.1:\(port)/hook", "http://127.0.0.1:1/hook"], retry: retry(attempts: 3), timeout: .milliseconds(300),
                logger: RecordingLogHandler.logger(logs), sleep: { _ in }
            )
            #expect(await notifier.send(alert) == 0)
        }
        #expect(hook.bodies.withLock { $0.count } == 3)
        let givenUp = logs.all.filter { $0.message == "alert could not be delivered; giving up" }
        #expect(givenUp.count == 2)
        #expect(givenUp.allSatisfy { $0.level == .error && $0.metadata["acuhook.attempt"] == "3" })
    }
}
