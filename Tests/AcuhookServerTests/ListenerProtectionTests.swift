import AcuhookAdmin
import AcuhookInbound
import AcuhookTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsTestKit
import Testing

@testable import AcuhookServer

#if canImport(Glibc)
import Glibc
#endif

/// The receiver on the open internet, over real loopback sockets: head limits and
/// request-smuggling shapes refused with nothing stored, connections closed at their deadlines,
/// and caps applied at accept. The hostile client connects from 127.0.0.2, the good one from
/// 127.0.0.1 (all of 127.0.0.0/8 is loopback on Linux).
@Suite struct ListenerProtectionTests {
    /// A receiver whose listener has `limits`, its counters in the receiver's test metrics.
    static func receiver(_ limits: ConnectionLimits, maxConnections: Int = 100) throws -> (TestReceiver, ListenerProtection) {
        var server = ServerSettings()
        server.port = 0
        server.limits = limits
        let receiver = try TestReceiver(server: server)
        let gate = ListenerGate(
            listener: "receiver", limits: limits, maxConnections: maxConnections, trustedProxies: [],
            logger: RecordingLogHandler.logger(receiver.logs), factory: receiver.metrics
        )
        return (receiver, ListenerProtection(gate: gate, tls: nil))
    }

    static func closed(_ receiver: TestReceiver, _ reason: String) -> Int64 {
        receiver.metrics.counterTotal(label: "acuhook_connections_closed_total", dimensions: [("listener", "receiver"), ("reason", reason)])
    }

    @Test func oversizedHeadsAre431AndSmugglingShapes400AndNothingIsStored() async throws {
        let (receiver, protection) = try Self.receiver(ConnectionLimits())
        let head = "POST /webhooks/acumatica HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        try await receiver.withLiveServer(protection: protection) { port in
            let tooLarge = [
                head + "X-Big: " + String(repeating: "a", count: 64 << 10) + "\r\n\r\n",  // one 64 KiB header line
                head + (0..<2000).map { "X-Field-\($0): v\r\n" }.joined() + "\r\n",  // 2,000 fields
                "POST /webhooks/acumatica?" + String(repeating: "a", count: 40_000) + " HTTP/1.1\r\nHost: test\r\n\r\n",  // a 40 KB request line
            ]
            for request in tooLarge {
                let answers = try await RawConnection.exchange(port: port, send: request, answers: 1, thenEOF: true)
                #expect(answers.map(\.status) == [431])
                #expect(answers.first?.body.contains(#""code":"header_too_large""#) == true)
            }
            let body = seedBody
            let smuggling = [
                head + "Content-Length: \(body.utf8.count)\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                head + "Content-Length: \(body.utf8.count)\r\nContent-Length: \(body.utf8.count + 1)\r\n\r\n\(body)",
                head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n\(body)\r\n0\r\n\r\n",
            ]
            for request in smuggling {
                let answers = try await RawConnection.exchange(port: port, send: request, answers: 1, thenEOF: true)
                #expect(answers.map(\.status) == [400])
                #expect(answers.first?.body.contains(#""code":"bad_request""#) == true)
            }
        }
        #expect(try await receiver.store.count("deliveries") == 0)
        #expect(Self.closed(receiver, "head_too_large") == 3)
        #expect(Self.closed(receiver, "bad_request") == 3)
    }

    @Test func connectionsPastTheirDeadlinesAreClosedAndCountedByPhase() async throws {
        var limits = ConnectionLimits()
        (limits.headerTimeout, limits.bodyTimeout, limits.idleTimeout) = (.seconds(1), .seconds(3), .seconds(1))
        (limits.minBodyRate, limits.minBodyRateGrace) = (240, .milliseconds(500))
        let (receiver, protection) = try Self.receiver(limits)
        try await receiver.withLiveServer(protection: protection) { port in
            let head = "POST /webhooks/acumatica HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            async let silent = HeldConnection.lifetime(port: port, from: "127.0.0.2")
            async let slowHead = HeldConnection.lifetime(port: port, from: "127.0.0.2", trickle: Array((head + "X-Slow: 1\r\n").utf8))
            async let trickle = HeldConnection.lifetime(port: port, from: "127.0.0.2", first: Array((head + "Content-Length: 100000\r\n\r\n").utf8), trickle: Array(repeating: UInt8(ascii: "x"), count: 100))
            // A good delivery on a kept-alive connection, which then idles.
            async let idle = HeldConnection.lifetime(port: port, from: "127.0.0.1", first: Array(signedDelivery("kept-alive").utf8))
            let lives = try await (silent: silent, slowHead: slowHead, trickle: trickle, idle: idle)
            // Each closed at its deadline (header 1 s, the body's rate judged after 0.5 s, idle 1 s), with room for a busy machine.
            #expect(lives.silent.seconds >= 0.9 && lives.silent.seconds < 4, "silent: \(lives.silent.seconds)")
            #expect(lives.slowHead.seconds >= 0.9 && lives.slowHead.seconds < 4, "slow head: \(lives.slowHead.seconds)")
            #expect(lives.trickle.seconds >= 0.4 && lives.trickle.seconds < 3, "trickle: \(lives.trickle.seconds)")
            #expect(lives.idle.seconds >= 0.9 && lives.idle.seconds < 4, "idle: \(lives.idle.seconds)")
            #expect(lives.idle.received.hasPrefix("HTTP/1.1 200"))
            #expect(lives.silent.received.isEmpty && lives.slowHead.received.isEmpty)
        }
        #expect(Self.closed(receiver, "header_timeout") == 2)
        #expect(Self.closed(receiver, "body_too_slow") == 1)
        #expect(Self.closed(receiver, "idle_timeout") == 1)
        #expect(try await receiver.store.count("deliveries") == 1)
        // The hostile client's lines name it; the kept-alive client's idle close is not logged.
        let lines = receiver.logs.all.filter { $0.message.hasPrefix("connection closed") }
        #expect(lines.allSatisfy { $0.metadata["acuhook.client"] == "127.0.0.2" })
    }

    @Test func aClientOverItsCapOrTheListenerOverItsTotalIsClosedAtAccept() async throws {
        var limits = ConnectionLimits()
        limits.maxConnectionsPerClient = 2
        let (receiver, protection) = try Self.receiver(limits, maxConnections: 3)
        try await receiver.withLiveServer(protection: protection) { port in
            let held = try (0..<2).map { _ in try HeldConnection(port: port, from: "127.0.0.2") }
            try await Task.sleep(for: .milliseconds(300))  // both accepted
            let third = try await HeldConnection.lifetime(port: port, from: "127.0.0.2")
            #expect(third.seconds < 0.5 && third.received.isEmpty)
            // Another client still gets in and is answered.
            let answers = try await RawConnection.exchange(port: port, send: signedDelivery("capped", close: true), answers: 1, thenEOF: true)
            #expect(answers.map(\.status) == [200])
            try await Task.sleep(for: .milliseconds(200))  // its close counted
            // Three open: the total cap refuses a fourth, whoever it is.
            let keep = try HeldConnection(port: port, from: "127.0.0.3")
            try await Task.sleep(for: .milliseconds(300))
            let fourth = try await HeldConnection.lifetime(port: port, from: "127.0.0.4")
            #expect(fourth.seconds < 0.5)
            withExtendedLifetime((held, keep)) {}
        }
        #expect(Self.closed(receiver, "client_limit") == 1)
        #expect(Self.closed(receiver, "connection_limit") == 1)
    }
}

extension ListenerProtectionTests {
    @Test func theAdminListenerHasTheSameDeadlinesCapsAndHeadLimits() async throws {
        let store = try await AdminAPITests.storeWithDeadLetters()
        let metrics = TestMetrics()
        var settings = AdminSettings()
        settings.port = 0
        settings.limits.headerTimeout = .seconds(1)
        settings.limits.maxConnectionsPerClient = 1
        let gate = ListenerGate(listener: "admin", limits: settings.limits, maxConnections: 8, trustedProxies: [], logger: Logger(label: "test"), factory: metrics)
        try await withLiveApplication({ running in
            try AdminAPI.makeApplication(
                settings: settings, serverPort: 0, store: store, operations: AdminAPITests.FixedOperations(), logger: Logger(label: "test"),
                protection: ListenerProtection(gate: gate, tls: nil), onServerRunning: running
            )
        }) { port in
            async let silent = HeldConnection.lifetime(port: port, from: "127.0.0.2")
            try await Task.sleep(for: .milliseconds(300))
            let second = try await HeldConnection.lifetime(port: port, from: "127.0.0.2")
            #expect(second.seconds < 0.5)
            let jobs = try await RawConnection.exchange(port: port, send: "GET /admin/jobs HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", answers: 1, thenEOF: true)
            #expect(jobs.map(\.status) == [200])
            try await Task.sleep(for: .milliseconds(200))  // its close counted: the cap is 1
            let big = "GET /admin/jobs HTTP/1.1\r\nHost: test\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n"
            #expect(try await RawConnection.exchange(port: port, send: big, answers: 1, thenEOF: true).map(\.status) == [431])
            let life = try await silent
            #expect(life.seconds >= 0.9 && life.seconds < 4, "\(life.seconds)")
        }
        for (reason, count) in [("header_timeout", 1), ("client_limit", 1), ("head_too_large", 1)] {
            #expect(metrics.counterTotal(label: "acuhook_connections_closed_total", dimensions: [("listener", "admin"), ("reason", reason)]) == count, "\(reason)")
        }
    }
}

/// A signed seed delivery as raw HTTP/1.1.
func signedDelivery(_ id: String, close: Bool = false) -> String {
    let signature = HMACSignatureAuthenticator.sign(Array(seedBody.utf8), secret: TestReceiver.seedSecret)
    return "POST /webhooks/acumatica HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + "X-Acumatica-Signature: \(signature)\r\nX-Acumatica-Delivery: \(id)\r\n" + (close ? "Connection: close\r\n" : "") + "Content-Length: \(seedBody.utf8.count)\r\n\r\n" + seedBody
}

/// A raw TCP connection from a chosen loopback address, held open by the test.
final class HeldConnection: @unchecked Sendable {
    let fd: Int32

    /// Connects to `port` on 127.0.0.1 from `source` (any address of 127.0.0.0/8).
    init(port: Int, from source: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawConnection.Failure(description: "socket failed") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = UInt16(port).bigEndian
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw RawConnection.Failure(description: "connect from \(source) failed: \(errno)")
        }
    }

    deinit { close(fd) }

    /// How long a connection lived and what it received.
    struct Life: Sendable {
        var seconds: Double
        var received: String
    }

    /// Connects, sends `first`, then one byte of `trickle` every 100 ms, and reads until the
    /// server closes the connection (at most 10 s).
    static func lifetime(port: Int, from source: String, first: [UInt8] = [], trickle: [UInt8] = []) async throws -> Life {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    let connection = try HeldConnection(port: port, from: source)
                    return connection.hold(first: first, trickle: trickle)
                })
            }
        }
    }

    private func hold(first: [UInt8], trickle: [UInt8]) -> Life {
        let started = ContinuousClock.now
        _ = first.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var next = trickle[...]
        while ContinuousClock.now - started < .seconds(10) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) > 0 {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received += chunk[0..<n]
            } else if let byte = next.popFirst() {
                var value = byte
                if write(fd, &value, 1) < 0 { break }
            }
        }
        let elapsed = ContinuousClock.now - started
        return Life(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, received: String(decoding: received, as: UTF8.self))
    }
}
