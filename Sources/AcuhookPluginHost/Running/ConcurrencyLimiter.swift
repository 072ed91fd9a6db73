import Synchronization

/// A counting semaphore for async callers, with a bounded wait: at most `limit` holders, the
/// rest wait in arrival order, and a waiter gives up when its wait exceeds its timeout.
final class ConcurrencyLimiter: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>
    /// The most holders at once.
    let limit: Int

    init(limit: Int) {
        self.limit = limit
        self.state = Mutex(State(available: limit))
    }

    /// Slots held right now.
    var held: Int { limit - state.withLock { $0.available } }

    /// Takes a slot, waiting up to `timeout`. Returns false if none freed up in time.
    func acquire<C: Clock>(timeout: Duration, clock: C) async -> Bool where C.Duration == Duration {
        let immediate = state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if immediate { return true }
        return await withCheckedContinuation { continuation in
            let id = state.withLock { state -> UInt64? in
                // A slot may have been released since the first look.
                if state.available > 0 {
                    state.available -= 1
                    return nil
                }
                state.nextID += 1
                state.waiters.append(Waiter(id: state.nextID, continuation: continuation))
                return state.nextID
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await clock.sleep(for: timeout)
                let expired = self.state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                expired?.continuation.resume(returning: false)
            }
        }
    }

    /// Returns a slot, handing it straight to the longest waiter if there is one.
    func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume(returning: true)
    }
}
