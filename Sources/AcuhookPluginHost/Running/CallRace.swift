import Synchronization

/// Settles an awaited call once: by the worker finishing it or by its timer, whichever is first.
final class CallRace<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var timer: Task<Void, Never>?
        var settled = false
    }

    private let state = Mutex(State())

    /// Installs the continuation to resume. Call first, inside `withCheckedContinuation`.
    func arm(_ continuation: CheckedContinuation<Value, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Attaches the timer task, cancelling it at once if the race is already settled.
    func attach(timer: Task<Void, Never>) {
        let settled = state.withLock { state -> Bool in
            if !state.settled { state.timer = timer }
            return state.settled
        }
        if settled { timer.cancel() }
    }

    /// Whether it has been settled.
    var isSettled: Bool { state.withLock { $0.settled } }

    /// Settles with `value`. Returns false if the race was already settled.
    @discardableResult
    func settle(_ value: Value) -> Bool {
        let (continuation, timer) = state.withLock { state -> (CheckedContinuation<Value, Never>?, Task<Void, Never>?) in
            guard !state.settled else { return (nil, nil) }
            state.settled = true
            defer { state.continuation = nil; state.timer = nil }
            return (state.continuation, state.timer)
        }
        guard let continuation else { return false }
        timer?.cancel()
        continuation.resume(returning: value)
        return true
    }
}
