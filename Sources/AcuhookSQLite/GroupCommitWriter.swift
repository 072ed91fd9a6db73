import AcuhookStore
import AcuhookCore
import Foundation
import GRDB
import Logging
import Synchronization

/// One write that shares a group commit: a delivery, a batch of job outcomes, a claim.
///
/// - Important: ``write(in:_:)`` runs on the writer thread inside the shared transaction;
///   ``committed()`` or ``failed(_:)`` runs once, on the same thread, after it ends. A
///   conformer keeps its result between the two, touched by that thread alone.
protocol GroupCommitWrite: AnyObject, Sendable {
    /// Writes inside the shared transaction. A throw rolls back the whole transaction.
    func write(in db: Database, _ batch: inout GroupCommitBatch) throws
    /// The transaction holding the write committed: hand the result to the caller.
    func committed()
    /// The transaction failed: nothing of this write was stored.
    func failed(_ error: StoreError)
}

/// A write given as a closure, whose value reaches `completion` after the commit.
final class SharedWrite<Value: Sendable>: GroupCommitWrite, @unchecked Sendable {
    private let perform: @Sendable (Database, inout GroupCommitBatch) throws -> Value
    private let completion: @Sendable (Result<Value, StoreError>) -> Void
    /// Set by ``write(in:_:)``, read by ``committed()``: both on the writer thread.
    private var value: Value?

    init(_ perform: @escaping @Sendable (Database, inout GroupCommitBatch) throws -> Value, completion: @escaping @Sendable (Result<Value, StoreError>) -> Void) {
        self.perform = perform
        self.completion = completion
    }

    func write(in db: Database, _ batch: inout GroupCommitBatch) throws { value = try perform(db, &batch) }
    func committed() { completion(value.map { .success($0) } ?? .failure(StoreError(.unavailable, "a write was committed without running"))) }
    func failed(_ error: StoreError) { completion(.failure(error)) }
}

/// What the writes of one transaction share.
struct GroupCommitBatch {
    /// Delivery row ids handed out in this transaction.
    var deliveryIDs = Schema.DeliveryIDs()
    /// The transaction's time, ms since the Unix epoch.
    let nowUnixMilliseconds: Int64
}

/// Writes everything queued so far in one transaction, so throughput does not collapse to one
/// fsync per write: the first writer to find it idle starts a drain on the store's own thread
/// (``DedicatedThread``), which commits batches until the queue is empty. Every caller's
/// ``GroupCommitWrite/committed()`` runs after the transaction holding its write commits.
///
/// While writes arrive concurrently it waits a short window for company (see
/// ``SQLiteEventStore/Configuration/commitDelay``), and it schedules PASSIVE checkpoints on a
/// second connection so the writer's own checkpoint finds little left to copy.
final class GroupCommitWriter: Sendable {
    private struct Queue {
        var pending: [any GroupCommitWrite] = []
        var draining = false
        /// The writer waits in its commit window for this many writes (0: it is not waiting).
        var windowTarget = 0
        /// Writes in the last commit and when it was taken (decide whether the next waits).
        var lastBatch = 0
        var lastBatchAt = ContinuousClock.now
    }

    private let pool: DatabasePool
    private let configuration: SQLiteEventStore.Configuration
    private let wallClock: any WallClock
    private let logger: Logger
    private let metrics: StoreMetrics
    private let fileGuard: StoreFileGuard
    private let queue = Mutex(Queue())
    /// Wakes the writer from its commit window once enough writes wait (see ``waitForCompany()``).
    /// A semaphore: signalling never blocks the caller, which may be an event loop.
    private let windowFull = DispatchSemaphore(value: 0)
    private let thread = DedicatedThread(name: "acuhook-writer")
    private let checkpointer: DatabaseQueue
    private let checkpointThread = DedicatedThread(name: "acuhook-ckpt")
    private let checkpointState = Mutex((running: false, last: ContinuousClock.now))

    /// A writer over `pool`; `checkpointer` is the second connection background checkpoints use.
    init(
        pool: DatabasePool,
        checkpointer: DatabaseQueue,
        configuration: SQLiteEventStore.Configuration,
        wallClock: any WallClock,
        logger: Logger,
        metrics: StoreMetrics,
        fileGuard: StoreFileGuard
    ) {
        self.pool = pool
        self.metrics = metrics
        self.fileGuard = fileGuard
        self.checkpointer = checkpointer
        self.configuration = configuration
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Queues `write` for the next shared commit. Never blocks (event loops call it).
    func enqueue(_ write: any GroupCommitWrite) {
        let (lead, full) = queue.withLock { queue -> (Bool, Bool) in
            queue.pending.append(write)
            if queue.draining { return (false, queue.pending.count == queue.windowTarget) }
            queue.draining = true
            return (true, false)
        }
        if lead { thread.submit { self.drain() } }
        if full { windowFull.signal() }
    }

    /// Writes batches until the queue is empty. Runs on the writer's own thread (never the
    /// cooperative pool or an event loop), so the blocking SQLite calls are fine here.
    private func drain() {
        while true {
            waitForCompany()
            let batch = queue.withLock { queue -> [any GroupCommitWrite] in
                var batch: [any GroupCommitWrite] = []
                if queue.pending.count <= configuration.maxBatch {
                    swap(&batch, &queue.pending)  // the usual case: the whole queue, no copy
                } else {
                    batch = Array(queue.pending.prefix(configuration.maxBatch))
                    queue.pending.removeFirst(configuration.maxBatch)
                }
                if batch.isEmpty {
                    queue.draining = false
                } else {
                    (queue.lastBatch, queue.lastBatchAt) = (batch.count, .now)
                }
                return batch
            }
            if batch.isEmpty { return }
            if let problem = fileGuard.problem() {
                // Committing would write into a file nobody will read again.
                metrics.failed()
                let failure = StoreError(.unavailable, problem)
                for write in batch { write.failed(failure) }
                continue
            }
            let started = ContinuousClock.now
            do {
                var shared = GroupCommitBatch(nowUnixMilliseconds: wallClock.nowUnixMilliseconds)
                try pool.writeWithoutTransaction { db in
                    try Self.transaction(db) {
                        for write in batch { try write.write(in: db, &shared) }
                    }
                }
                metrics.committed(after: started.duration(to: .now), deliveries: shared.deliveryIDs.taken)
                for write in batch { write.committed() }
            } catch {
                metrics.failed()
                logger.error(
                    "store commit failed; deliveries in this batch are refused with 503",
                    metadata: ["acuhook.store.batch": "\(batch.count)", "acuhook.error": "\(error)"]
                )
                let failure = StoreError(.unavailable, "the store could not commit", underlying: error)
                for write in batch { write.failed(failure) }
            }
            scheduleBackgroundCheckpoint()
        }
    }

    /// Runs `body` in one transaction, begun and committed through cached statements (GRDB's
    /// `write` parses `BEGIN` and `COMMIT` on every call). `IMMEDIATE`: the write lock is taken
    /// at the start, waiting up to the busy timeout for another process (the CLI) holding it.
    static func transaction<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try BoundStatement("BEGIN IMMEDIATE", in: db).run([])
        do {
            let value = try body()
            try BoundStatement("COMMIT", in: db).run([])
            return value
        } catch {
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` in a savepoint of the shared transaction: a failure undoes `body` alone, not
    /// the batch's other writes.
    static func savepoint<T>(_ db: Database, _ body: () throws -> T) throws -> Result<T, any Error> {
        try BoundStatement("SAVEPOINT write", in: db).run([])
        do {
            let value = try body()
            try BoundStatement("RELEASE write", in: db).run([])
            return .success(value)
        } catch {
            try BoundStatement("ROLLBACK TO write", in: db).run([])
            try BoundStatement("RELEASE write", in: db).run([])
            return .failure(error)
        }
    }

    /// The group commit window: on the writer thread, waits while the last commit was shared
    /// and fewer than the target writes wait, until the window ends or the write that completes
    /// the target signals it. A semaphore, not polling: a poll woke the writer every 100 µs.
    private func waitForCompany() {
        let delay = configuration.commitDelay
        guard delay > .zero else { return }
        let target = min(configuration.commitDelayTarget, configuration.maxBatch)
        let (waiting, last, lastAt) = queue.withLock { ($0.pending.count, $0.lastBatch, $0.lastBatchAt) }
        // Only while busy: the last commit was shared and recent.
        guard last > 1, waiting < target, lastAt.duration(to: .now) < .milliseconds(10) else { return }
        let deadline = DispatchTime.now() + .nanoseconds(Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000))
        while true {
            let full = queue.withLock { queue -> Bool in
                queue.windowTarget = queue.pending.count < target ? target : 0
                return queue.windowTarget == 0
            }
            // A signal left over from an earlier window ends a wait early; the loop checks again.
            if full || windowFull.wait(timeout: deadline) == .timedOut { break }
        }
        queue.withLock { $0.windowTarget = 0 }
    }

    /// Starts a PASSIVE checkpoint on the second connection, at most once per interval.
    private func scheduleBackgroundCheckpoint() {
        guard let interval = configuration.backgroundCheckpointInterval else { return }
        let start = checkpointState.withLock { state -> Bool in
            guard !state.running, state.last.duration(to: .now) > interval else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        checkpointThread.submit { [self] in
            // Busy (the writer's own checkpoint runs) is fine: that one does the work.
            _ = try? checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            checkpointState.withLock { $0 = (false, .now) }
        }
    }
}
