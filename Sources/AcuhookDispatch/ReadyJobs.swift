import AcuhookStore
import Synchronization

/// Claimed jobs waiting for a worker, one FIFO per plugin, and how many workers each plugin has.
///
/// Workers pop from their plugin's queue until it is empty, so the dispatcher's loop only wakes
/// to claim more work, not once per call.
final class ReadyJobs: Sendable {
    private struct Queue {
        var jobs: [ClaimedJob] = []
        var head = 0
        var workers = 0
        var count: Int { jobs.count - head }
    }

    private struct State {
        var queues: [String: Queue] = [:]
        var total = 0
    }

    private let state = Mutex(State())

    /// Jobs waiting in all queues.
    var waiting: Int { state.withLock { $0.total } }

    /// Jobs waiting, per plugin.
    var waitingByPlugin: [String: Int] { state.withLock { $0.queues.mapValues(\.count) } }

    /// Queues `jobs`; returns, per plugin, how many new workers to start (at most `limit(plugin)`
    /// workers per plugin, never more than its waiting jobs).
    func add(_ jobs: [ClaimedJob], limit: (String) -> Int) -> [(plugin: String, workers: Int)] {
        state.withLock { state in
            for job in jobs {
                state.queues[job.plugin, default: Queue()].jobs.append(job)
            }
            state.total += jobs.count
            var starts: [(String, Int)] = []
            for plugin in Set(jobs.map(\.plugin)) {
                let queue = state.queues[plugin]!
                let wanted = min(limit(plugin), queue.count) - queue.workers
                if wanted > 0 {
                    state.queues[plugin]!.workers += wanted
                    starts.append((plugin, wanted))
                }
            }
            return starts
        }
    }

    /// The next jobs of `plugin` (at most `limit`, in queue order) and how many of its jobs then
    /// wait, or nil — and then the calling worker is no longer counted. With `fairShare`, at most
    /// the worker's share of the waiting jobs (so the plugin's other workers get some).
    func next(for plugin: String, upTo limit: Int = 1, fairShare: Bool = false) -> (jobs: [ClaimedJob], remaining: Int)? {
        state.withLock { state in
            guard let queue = state.queues[plugin], queue.count > 0 else {
                if var queue = state.queues[plugin] {
                    queue.workers -= 1
                    state.queues[plugin] = queue.workers == 0 ? nil : queue
                }
                return nil
            }
            let share = fairShare ? min(limit, max(1, queue.count / max(1, queue.workers))) : limit
            let jobs = Self.take(plugin, share, from: &state)
            return (jobs, state.queues[plugin]?.count ?? 0)
        }
    }

    /// Up to `limit` more jobs of `plugin` for a worker filling a batch (none when none wait).
    func more(for plugin: String, upTo limit: Int) -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        return state.withLock { Self.take(plugin, limit, from: &$0) }
    }

    private static func take(_ plugin: String, _ limit: Int, from state: inout State) -> [ClaimedJob] {
        guard var queue = state.queues[plugin], queue.count > 0 else { return [] }
        let end = min(queue.jobs.count, queue.head + max(1, limit))
        let jobs = Array(queue.jobs[queue.head..<end])
        queue.head = end
        if queue.head >= 1024, queue.head * 2 >= queue.jobs.count {
            queue.jobs.removeFirst(queue.head)
            queue.head = 0
        }
        state.queues[plugin] = queue
        state.total -= jobs.count
        return jobs
    }

    /// Removes and returns every waiting job (at shutdown, to give them back to the store).
    func drain() -> [ClaimedJob] {
        state.withLock { state in
            var jobs: [ClaimedJob] = []
            for plugin in state.queues.keys {
                let queue = state.queues[plugin]!
                jobs += queue.jobs[queue.head...]
                state.queues[plugin]!.jobs.removeAll()
                state.queues[plugin]!.head = 0
            }
            state.total = 0
            return jobs
        }
    }
}
