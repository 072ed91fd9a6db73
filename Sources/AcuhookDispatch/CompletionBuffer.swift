import AcuhookStore
import Synchronization

/// Job outcomes waiting to be committed. Workers add and move on; one flusher takes everything
/// buffered at once and commits it in one call, so plugin calls never wait for an fsync.
final class CompletionBuffer: Sendable {
    private struct State {
        var items: [(JobCompletion, ClaimedJob)] = []
        var closed = false
        var waiter: CheckedContinuation<[(JobCompletion, ClaimedJob)]?, Never>?
    }

    private let state = Mutex(State())

    /// Buffers the outcomes of `jobs`, in order, in one step (waking the flusher if it waits),
    /// each bound to its job's claim: it applies only while the job is still under that claim.
    func add(_ completions: [JobCompletion], of jobs: [ClaimedJob]) {
        let items = zip(completions, jobs).map { completion, job in
            var completion = completion
            completion.claim = job.claim
            return (completion, job)
        }
        let resume = state.withLock { state -> (CheckedContinuation<[(JobCompletion, ClaimedJob)]?, Never>, [(JobCompletion, ClaimedJob)])? in
            state.items += items
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            let items = state.items
            state.items = []
            return (waiter, items)
        }
        if let (waiter, items) = resume { waiter.resume(returning: items) }
    }

    /// Everything buffered, waiting for at least one outcome; nil once closed and empty.
    func next() async -> [(JobCompletion, ClaimedJob)]? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [(JobCompletion, ClaimedJob)]?? in
                if !state.items.isEmpty {
                    let items = state.items
                    state.items = []
                    return .some(items)
                }
                if state.closed { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// No more outcomes will come: the flusher stops once the buffer is empty.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<[(JobCompletion, ClaimedJob)]?, Never>? in
            state.closed = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: nil)
    }
}
