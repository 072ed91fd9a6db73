import AcuhookCore
import AcuhookInbound
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Acuhook's receiver on an append-only intake log: the floor of a log-structured store.
///
/// Each new delivery (deduplicated in memory, as ``InMemoryInbox`` does) is appended as one
/// length-prefixed record to a file zero-filled ahead (so a commit changes no file metadata);
/// one thread writes everything queued with one `pwrite` and one `fdatasync`, then answers it.
/// No tables, no indexes, no checkpoint, no jobs: what a store that indexes after answering
/// would pay before answering. A measurement for the storage design, not a store.
///
/// `inline`: each event loop appends to a log of its own and syncs it itself, once per loop tick
/// (the loop blocks for the `fdatasync`), instead of handing deliveries to a writer thread.
func runIntakeLogServer(port: Int, path: String, inline: Bool) async throws {
    var logger = Logger(label: "intake-log")
    logger.logLevel = .warning
    var server = ServerSettings()
    server.port = port
    let inbox: any Inbox = inline ? InlineIntakeLogInbox(path: path) : try IntakeLogInbox(path: path, preallocate: 1 << 30)
    let pipeline = try DeliveryPipeline(
        server: server,
        sources: [SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: ["bench-secret"]))],
        store: inbox,
        retention: .seconds(60),
        logger: logger
    )
    let app = try Receiver.makeApplication(pipeline: pipeline, server: server, readiness: { Readiness(ready: true, checks: [:]) }, logger: logger)
    try await app.runService()
}

/// The inbox behind ``runIntakeLogServer(port:path:)``.
final class IntakeLogInbox: Inbox {
    private struct Pending {
        let record: [UInt8]
        let result: AcceptResult
        let completion: @Sendable (Result<AcceptResult, StoreError>) -> Void
    }

    private let memory = InMemoryInbox()
    private let fd: Int32
    private let queue = Mutex<(items: [Pending], offset: Int)>(([], 0))
    private let wake = DispatchSemaphore(value: 0)

    /// A log at `path`, its first `preallocate` bytes written with zeros now.
    init(path: String, preallocate: Int) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StoreError(.unavailable, "cannot open \(path)") }
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for chunk in 0..<(preallocate >> 20) { _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(chunk << 20)) } }
        fsync(fd)
        let thread = Thread { [self] in writeLoop() }
        thread.name = "intake-log"
        thread.start()
    }

    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        memory.accept(delivery, keepKeyFor: retention) { result in
            guard case .success(let accepted) = result, case .accepted = accepted else { return completion(result) }
            var record: [UInt8] = []
            record.reserveCapacity(delivery.body.count + 256)
            for field in [delivery.source, delivery.idempotencyKey, StoredForm.headersText(delivery.headers)] {
                Self.append(UInt32(field.utf8.count), to: &record)
                record.append(contentsOf: field.utf8)
            }
            Self.append(UInt32(truncatingIfNeeded: delivery.receivedAtUnixMilliseconds), to: &record)
            Self.append(UInt32(delivery.body.count), to: &record)
            record.append(contentsOf: delivery.body)
            let first = self.queue.withLock { queue -> Bool in
                queue.items.append(Pending(record: record, result: accepted, completion: completion))
                return queue.items.count == 1
            }
            if first { self.wake.signal() }
        }
    }

    private func writeLoop() {
        var buffer: [UInt8] = []
        while true {
            wake.wait()
            while true {
                let (items, offset) = queue.withLock { queue -> ([Pending], Int) in
                    defer { queue.items = [] }
                    return (queue.items, queue.offset)
                }
                if items.isEmpty { break }
                buffer.removeAll(keepingCapacity: true)
                for item in items { buffer.append(contentsOf: item.record) }
                let written = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
                let synced = written == buffer.count && fdatasync(fd) == 0
                queue.withLock { $0.offset += buffer.count }
                for item in items { item.completion(synced ? .success(item.result) : .failure(StoreError(.unavailable, "write failed"))) }
            }
        }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    func checkWritable() async throws(StoreError) {}
    func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func reclaimFreePages(limit: Int) async throws(StoreError) -> Int { 0 }
    func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] { [] }
}

/// The `inline` inbox of ``runIntakeLogServer(port:path:inline:)``: one log per event loop, written
/// and synced on that loop after the tick that read its deliveries. Bodies read off the loop (over
/// 64 KiB) are refused: a measurement, not a store.
final class InlineIntakeLogInbox: Inbox, @unchecked Sendable {
    /// One loop's log; touched only on that loop's thread.
    private final class LoopLog {
        let fd: Int32
        var offset = 0
        var pending: [(record: [UInt8], result: AcceptResult, completion: @Sendable (Result<AcceptResult, StoreError>) -> Void)] = []
        var scheduled = false
        var buffer: [UInt8] = []

        init(path: String) {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let zeros = [UInt8](repeating: 0, count: 1 << 20)
            for chunk in 0..<512 { _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(chunk << 20)) } }
            fsync(fd)
        }
    }

    private let memory = InMemoryInbox()
    private let path: String
    private let logs = Mutex<[ObjectIdentifier: LoopLog]>([:])

    init(path: String) { self.path = path }

    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        memory.accept(delivery, keepKeyFor: retention) { result in
            guard case .success(let accepted) = result, case .accepted = accepted else { return completion(result) }
            guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else {
                return completion(.failure(StoreError(.unavailable, "not on an event loop")))
            }
            let log = self.logs.withLock { logs in
                if let log = logs[ObjectIdentifier(loop)] { return log }
                let log = LoopLog(path: "\(self.path).\(logs.count)")
                logs[ObjectIdentifier(loop)] = log
                return log
            }
            var record: [UInt8] = []
            record.reserveCapacity(delivery.body.count + 256)
            for field in [delivery.source, delivery.idempotencyKey, StoredForm.headersText(delivery.headers)] {
                record.append(contentsOf: withUnsafeBytes(of: UInt32(field.utf8.count).littleEndian, Array.init))
                record.append(contentsOf: field.utf8)
            }
            record.append(contentsOf: withUnsafeBytes(of: UInt32(delivery.body.count).littleEndian, Array.init))
            record.append(contentsOf: delivery.body)
            log.pending.append((record, accepted, completion))
            guard !log.scheduled else { return }
            log.scheduled = true
            // Runs after this tick's reads: every delivery they brought shares the sync.
            loop.execute { Self.flush(log) }
        }
    }

    private static func flush(_ log: LoopLog) {
        log.scheduled = false
        let items = log.pending
        log.pending = []
        log.buffer.removeAll(keepingCapacity: true)
        for item in items { log.buffer.append(contentsOf: item.record) }
        let written = log.buffer.withUnsafeBytes { pwrite(log.fd, $0.baseAddress, $0.count, off_t(log.offset)) }
        let synced = written == log.buffer.count && fdatasync(log.fd) == 0
        log.offset += log.buffer.count
        for item in items { item.completion(synced ? .success(item.result) : .failure(StoreError(.unavailable, "write failed"))) }
    }

    func checkWritable() async throws(StoreError) {}
    func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func reclaimFreePages(limit: Int) async throws(StoreError) -> Int { 0 }
    func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] { [] }
}
