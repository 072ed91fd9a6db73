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

    /// Buffers an outcome (wakes the flusher if it waits), bound to the job's claim: it applies
    /// only while the job is still under that claim.
    func add(_ completion: JobCompletion, of job: ClaimedJob) {
        var completion = completion
        completion.claim = job.claim
        let resume = state.withLock { state -> (CheckedContinuation<[(JobCompletion, ClaimedJob)]?, Never>, [(JobCompletion, ClaimedJob)])? in
            state.items.append((completion, job))
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
