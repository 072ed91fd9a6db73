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
    let inbox: any Inbox = inline ? InlineIntakeLogInbox(path: path) : try IntakeLogInbox(path: path)
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

/// One log file: records appended in batches, each batch one `pwrite` and one `fdatasync`.
/// Not thread-safe: one thread (the writer, or one event loop) owns it.
final class IntakeLogFile {
    /// A new delivery waiting for its batch's sync, and who waits for the answer.
    struct Waiting {
        let record: [UInt8]
        let result: AcceptResult
        let completion: @Sendable (Result<AcceptResult, StoreError>) -> Void
    }

    private let fd: Int32
    private var offset = 0
    private var buffer: [UInt8] = []

    /// A log at `path`, truncated, its first `preallocate` bytes written with zeros and synced now.
    init(path: String, preallocate: Int = 1 << 30) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StoreError(.unavailable, "cannot open \(path): errno \(errno)") }
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for chunk in 0..<(preallocate >> 20) { _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(chunk << 20)) } }
        fsync(fd)
    }

    deinit { close(fd) }

    /// `delivery` as one record: source, key, kept headers, receipt time and body, each length-prefixed.
    static func record(_ delivery: Delivery) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(delivery.body.count + 256)
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { record.append(contentsOf: $0) } }
        for field in [delivery.source, delivery.idempotencyKey, StoredForm.headersText(delivery.headers)] {
            append(UInt32(field.utf8.count))
            record.append(contentsOf: field.utf8)
        }
        append(UInt32(truncatingIfNeeded: delivery.receivedAtUnixMilliseconds))
        append(UInt32(delivery.body.count))
        record.append(contentsOf: delivery.body)
        return record
    }

    /// Writes `batch` at the end of the log, syncs it, then answers each delivery: accepted once
    /// synced, 503 when the write or the sync failed.
    func commit(_ batch: [Waiting]) {
        buffer.removeAll(keepingCapacity: true)
        for item in batch { buffer.append(contentsOf: item.record) }
        let written = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        let synced = written == buffer.count && fdatasync(fd) == 0
        if synced { offset += buffer.count }
        for item in batch { item.completion(synced ? .success(item.result) : .failure(StoreError(.unavailable, "the intake log could not be written"))) }
    }
}

/// The parts of ``Inbox`` a write-only measurement store answers with nothing.
protocol WriteOnlyInbox: Inbox {}

extension WriteOnlyInbox {
    func checkWritable() async throws(StoreError) {}
    func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int { 0 }
    func reclaimFreePages(limit: Int) async throws(StoreError) -> Int { 0 }
    func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] { [] }
}

/// The inbox behind ``runIntakeLogServer(port:path:inline:)``: one log, written by its own thread.
final class IntakeLogInbox: WriteOnlyInbox, @unchecked Sendable {
    private let memory = InMemoryInbox()
    /// Touched by the writer thread alone.
    private let log: IntakeLogFile
    private let queue = Mutex<[IntakeLogFile.Waiting]>([])
    private let wake = DispatchSemaphore(value: 0)

    /// A log at `path`, and its writer thread.
    init(path: String) throws {
        log = try IntakeLogFile(path: path)
        let thread = Thread { [self] in writeLoop() }
        thread.name = "intake-log"
        thread.start()
    }

    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        memory.accept(delivery, keepKeyFor: retention) { result in
            guard case .success(let accepted) = result, case .accepted = accepted else { return completion(result) }
            let waiting = IntakeLogFile.Waiting(record: IntakeLogFile.record(delivery), result: accepted, completion: completion)
            let first = self.queue.withLock { queue -> Bool in
                queue.append(waiting)
                return queue.count == 1
            }
            if first { self.wake.signal() }
        }
    }

    private func writeLoop() {
        while true {
            wake.wait()
            while true {
                let batch = queue.withLock { queue in
                    defer { queue = [] }
                    return queue
                }
                if batch.isEmpty { break }
                log.commit(batch)
            }
        }
    }
}

/// The `inline` inbox of ``runIntakeLogServer(port:path:inline:)``: one log per event loop, written
/// and synced on that loop after the tick that read its deliveries. Bodies read off the loop (over
/// 64 KiB) are refused: a measurement, not a store.
final class InlineIntakeLogInbox: WriteOnlyInbox, @unchecked Sendable {
    /// One loop's log and its waiting deliveries; touched only on that loop's thread.
    private final class LoopLog {
        let file: IntakeLogFile
        var waiting: [IntakeLogFile.Waiting] = []
        init(file: IntakeLogFile) { self.file = file }
    }

    private let memory = InMemoryInbox()
    private let path: String
    private let logs = Mutex<[ObjectIdentifier: LoopLog]>([:])

    /// Logs at `path.0`, `path.1`, …, one per event loop, made on first use.
    init(path: String) { self.path = path }

    func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        memory.accept(delivery, keepKeyFor: retention) { result in
            guard case .success(let accepted) = result, case .accepted = accepted else { return completion(result) }
            guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else {
                return completion(.failure(StoreError(.unavailable, "not on an event loop")))
            }
            let log: LoopLog
            do {
                log = try self.logs.withLock { logs in
                    if let log = logs[ObjectIdentifier(loop)] { return log }
                    let log = LoopLog(file: try IntakeLogFile(path: "\(self.path).\(logs.count)", preallocate: 512 << 20))
                    logs[ObjectIdentifier(loop)] = log
                    return log
                }
            } catch {
                return completion(.failure(StoreError(.unavailable, "\(error)")))
            }
            log.waiting.append(IntakeLogFile.Waiting(record: IntakeLogFile.record(delivery), result: accepted, completion: completion))
            guard log.waiting.count == 1 else { return }
            // Runs after this tick's reads: every delivery they brought shares the sync.
            let bound = NIOLoopBound(log, eventLoop: loop)
            loop.execute {
                let log = bound.value
                let batch = log.waiting
                log.waiting = []
                log.file.commit(batch)
            }
        }
    }
}
