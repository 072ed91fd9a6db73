import AcuhookCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Sends alert messages: a JSON POST to each webhook URL, retried with backoff until it is
/// answered 2xx or the retry policy gives up (then one error line is logged).
///
/// - Important: Thread-safe. ``send(_:)`` returns once every URL has been answered or given up.
public struct AlertNotifier: Sendable {
    /// Where messages go.
    public let webhooks: [String]
    private let retry: RetryPolicy
    private let client: HTTPClient
    private let instance: String
    private let timeout: Duration
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void

    /// A notifier posting to `webhooks` through `client` (AsyncHTTPClient's shared client by
    /// default); `instance` names this host in every message; each attempt waits up to
    /// `timeout` for an answer; `sleep` waits between attempts.
    public init(
        webhooks: [String],
        retry: RetryPolicy,
        timeout: Duration = .seconds(10),
        client: HTTPClient = .shared,
        instance: String = ProcessInfo.processInfo.hostName,
        logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.webhooks = webhooks
        self.retry = retry
        self.timeout = timeout
        self.client = client
        self.instance = instance
        self.logger = logger
        self.sleep = sleep
    }

    /// Posts `alert` to every URL, concurrently; returns how many accepted it.
    @discardableResult
    public func send(_ alert: Alert) async -> Int {
        let body = alert.payload(instance: instance)
        return await withTaskGroup(of: Bool.self) { group in
            for url in webhooks {
                group.addTask { await self.post(body, to: url, alert: alert) }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    private func post(_ body: [UInt8], to url: String, alert: Alert) async -> Bool {
        var attempt = 1
        var previous: Duration? = nil
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "acuhook-alerts")
            request.body = .bytes(ByteBuffer(bytes: body))
            let failure: String
            do {
                let response = try await client.execute(request, timeout: .milliseconds(timeout.wholeMilliseconds))
                _ = try? await response.body.collect(upTo: 64 << 10)
                if (200..<300).contains(response.status.code) { return true }
                failure = "HTTP \(response.status.code)"
            } catch {
                failure = "\(error)"
            }
            switch retry.decide(afterAttempt: attempt, previousDelay: previous, random: { Double.random(in: 0..<1) }) {
            case .retry(let delay):
                logger.warning(
                    "alert not delivered; will retry",
                    metadata: ["acuhook.alert.url": "\(url)", "acuhook.alert.rule": "\(alert.rule.rawValue)", "acuhook.attempt": "\(attempt)", "acuhook.error": "\(failure)"]
                )
                do { try await sleep(delay) } catch { return false }
                previous = delay
                attempt += 1
            case .giveUp:
                logger.error(
                    "alert could not be delivered; giving up",
                    metadata: ["acuhook.alert.url": "\(url)", "acuhook.alert.rule": "\(alert.rule.rawValue)", "acuhook.attempt": "\(attempt)", "acuhook.error": "\(failure)"]
                )
                return false
            }
        }
    }
}
