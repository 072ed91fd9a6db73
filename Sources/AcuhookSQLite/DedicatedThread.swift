import AcuhookStore
import Foundation

/// A serial executor on one OS thread of its own, for blocking work: SQLite commits and their
/// fsyncs.
///
/// Not a `DispatchQueue`: on Linux, Swift's tasks and dispatch queues share libdispatch's worker
/// threads, and that pool grows only after it notices blocked threads (on the order of 100 ms).
/// With two cores, one commit blocked in fsync on a dispatch thread stalled every task in the
/// process for that long.
final class DedicatedThread: Sendable {
    /// The work queue, shared with the thread (which must not retain the owner).
    private final class WorkQueue: @unchecked Sendable {
        let condition = NSCondition()
        var work: [@Sendable () -> Void] = []
        var stopping = false

        func run() {
            while true {
                condition.lock()
                while work.isEmpty, !stopping { condition.wait() }
                if work.isEmpty {
                    condition.unlock()
                    return
                }
                let next = work
                work.removeAll(keepingCapacity: true)
                condition.unlock()
                for item in next { item() }
            }
        }
    }

    private let queue = WorkQueue()

    /// Starts the thread.
    init(name: String) {
        let queue = queue
        let thread = Thread {
            // Set from the thread itself so it reaches the OS (`top -H`, perf, /proc/…/comm).
            Thread.current.name = name
            queue.run()
        }
        thread.start()
    }

    /// Runs `work` on the thread after everything submitted before it.
    func submit(_ work: @escaping @Sendable () -> Void) {
        queue.condition.lock()
        queue.work.append(work)
        queue.condition.signal()
        queue.condition.unlock()
    }

    /// Lets the thread finish what was submitted, then end.
    deinit {
        queue.condition.lock()
        queue.stopping = true
        queue.condition.signal()
        queue.condition.unlock()
    }
}
