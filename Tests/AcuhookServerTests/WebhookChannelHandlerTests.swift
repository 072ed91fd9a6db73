import AcuhookInbound
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import AcuhookServer

#if canImport(Glibc)
import Glibc
#endif

/// The event-loop path for deliveries (`WebhookChannelHandler`), over a raw TCP connection where
/// HTTP clients hide what matters: answers in request order when requests are pipelined and
/// mixed with ones the router answers, `Connection: close`, `Expect: 100-continue`, and a graceful
/// stop while a delivery is being committed.
@Suite struct WebhookChannelHandlerTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            // Written in one go: a delivery, a request for the router, the same delivery again, an unknown source.
            let requests = rawDelivery("pipelined") + "GET /health HTTP/1.1\r\nHost: test\r\n\r\n" + rawDelivery("pipelined")
                + "POST /webhooks/nope HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            let answers = try await RawConnection.exchange(port: port, send: requests, answers: 4)
            #expect(answers.map(\.status) == [200, 200, 200, 404])
            #expect(answers[0].body.contains(#""duplicate":false"#))
            // In order: the health check sees the delivery before it as processed.
            #expect(answers[1].body.hasPrefix(#"{"status":"ok","deliveriesProcessed":1,"#))
            #expect(answers[2].body.contains(#""duplicate":true"#))
            #expect(answers[3].body.contains("unknown_source"))
        }
        #expect(try await receiver.store.count("deliveries") == 1)
    }

    @Test func connectionCloseClosesAfterTheAnswer() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            let answers = try await RawConnection.exchange(port: port, send: rawDelivery("closing", close: true), answers: 1, thenEOF: true)
            #expect(answers.map(\.status) == [200])
        }
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            let request = rawDelivery("continued").replacingOccurrences(of: "Host: test\r\n", with: "Host: test\r\nExpect: 100-continue\r\n")
            let answers = try await RawConnection.exchange(port: port, send: request, answers: 2)
            #expect(answers.map(\.status) == [100, 200])
        }
        #expect(try await receiver.store.count("deliveries") == 1)
    }

    @Test func aDeliveryBeingCommittedWhenTheServerStopsIsAnsweredBeforeItCloses() async throws {
        let receiver = try TestReceiver()
        // Another connection holds the write lock: the delivery waits in its commit.
        let blocker = try FileHandleLock(path: receiver.storePath)
        var settings = ServerSettings()
        settings.port = 0
        let port = Mutex<Int?>(nil)
        let app = try Receiver.makeApplication(
            pipeline: receiver.pipeline, server: settings, readiness: { Readiness(ready: true, checks: [:]) }, logger: Logger(label: "test"),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        var bound: Int? = nil
        for _ in 0..<500 where bound == nil {
            bound = port.withLock { $0 }
            if bound == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let serverPort = try #require(bound)
        let sent = Mutex(false)
        let exchange = Task {
            try await RawConnection.exchange(port: serverPort, send: rawDelivery("stopping"), answers: 1, thenEOF: true, onSent: { sent.withLock { $0 = true } })
        }
        while !sent.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        // Let the server read it and reach the store, then ask it to stop while the commit waits.
        try await Task.sleep(for: .milliseconds(300))
        await group.triggerGracefulShutdown()
        try await Task.sleep(for: .milliseconds(200))
        blocker.release()
        // The answer comes after the commit, then the connection closes and the server ends.
        let answers = try await exchange.value
        #expect(answers.map(\.status) == [200])
        #expect(answers.first?.body.contains(#""duplicate":false"#) == true)
        try await running.value
        #expect(try await receiver.store.count("deliveries") == 1)
    }

    @Test func onlyPostsToOneSourceSegmentTakeTheEventLoopPath() {
        func source(_ method: HTTPRequest.Method, _ path: String) -> String? {
            WebhookChannelHandler.webhookSource(HTTPRequest(method: method, scheme: nil, authority: nil, path: path))
        }
        #expect(source(.post, "/webhooks/acumatica") == "acumatica")
        #expect(source(.post, "/webhooks/acumatica?trace=1") == "acumatica")
        #expect(source(.get, "/webhooks/acumatica") == nil)
        #expect(source(.post, "/webhooks/") == nil)
        #expect(source(.post, "/webhooks/a/b") == nil)
        #expect(source(.post, "/webhooks/a%2Fb") == nil)
        #expect(source(.post, "/health") == nil)
    }

    /// A signed seed delivery as raw HTTP/1.1.
    private func rawDelivery(_ id: String, close: Bool = false) -> String {
        let signature = HMACSignatureAuthenticator.sign(Array(seedBody.utf8), secret: TestReceiver.seedSecret)
        return "POST /webhooks/acumatica HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + "X-Acumatica-Signature: \(signature)\r\nX-Acumatica-Delivery: \(id)\r\n" + (close ? "Connection: close\r\n" : "")
            + "Content-Length: \(seedBody.utf8.count)\r\n\r\n" + seedBody
    }
}

/// A blocking TCP client on a thread of its own (never on the cooperative pool).
enum RawConnection {
    struct Answer {
        var status: Int
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `text` at once, reads `answers` HTTP answers (with Content-Length bodies) and, when
    /// `thenEOF`, checks that the server closes the connection after them.
    static func exchange(
        port: Int, send text: String, answers count: Int, thenEOF: Bool = false, onSent: @escaping @Sendable () -> Void = {}
    ) async throws -> [Answer] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchangeBlocking(port: port, send: text, answers: count, thenEOF: thenEOF, onSent: onSent) })
            }
        }
    }

    private static func exchangeBlocking(port: Int, send text: String, answers count: Int, thenEOF: Bool, onSent: () -> Void) throws -> [Answer] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect failed: \(errno)") }
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "write failed: \(errno)") }
            sent += n
        }
        onSent()
        var received: [UInt8] = []
        var answers: [Answer] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            while let (answer, used) = parse(received) {
                answers.append(answer)
                received.removeFirst(used)
            }
            if answers.count >= count && !thenEOF { return answers }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 {
                guard answers.count >= count else { throw Failure(description: "closed after \(answers.count) answers") }
                return answers
            }
            // A server that closes with input unread (a refused head) resets the connection.
            if n < 0, errno == ECONNRESET, answers.count >= count { return answers }
            guard n > 0 else { throw Failure(description: "read failed or timed out (errno \(errno)) after \(answers.count) answers") }
            received.append(contentsOf: chunk[0..<n])
        }
    }

    /// One complete answer at the start of `bytes`, and how many bytes it took.
    private static func parse(_ bytes: [UInt8]) -> (Answer, Int)? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0...max(0, bytes.count - separator.count)).first(where: { bytes.count >= separator.count && Array(bytes[$0..<$0 + separator.count]) == separator }) else {
            return nil
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/1.1 "), let status = Int(statusLine.dropFirst(9).prefix(3)) else { return nil }
        let length = head.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let bodyStart = end + separator.count
        guard bytes.count >= bodyStart + length else { return nil }
        return (Answer(status: status, body: String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self)), bodyStart + length)
    }
}
