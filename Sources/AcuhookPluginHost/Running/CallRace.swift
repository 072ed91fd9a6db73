import Synchronization

/// Settles an awaited call once: by the worker finishing it or by its timeout (or shutdown),
/// whichever is first.
final class CallRace<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var settled = false
    }

    private let state = Mutex(State())

    /// Installs the continuation to resume. Call first, inside `withCheckedContinuation`.
    func arm(_ continuation: CheckedContinuation<Value, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Whether it has been settled.
    var isSettled: Bool { state.withLock { $0.settled } }

    /// Settles with `value`. Returns false if the race was already settled.
    @discardableResult
    func settle(_ value: Value) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard !state.settled else { return nil }
            state.settled = true
            defer { state.continuation = nil }
            return state.continuation
        }
        guard let continuation else { return false }
        continuation.resume(returning: value)
        return true
    }
}
