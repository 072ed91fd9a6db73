import Synchronization

/// A signal the dispatcher sleeps on: woken by new work (or a freed slot), or after a timeout.
/// Signals sent while nobody waits are remembered (once).
///
/// One timer task serves every wait: it sleeps to the current waiter's deadline and sleeps again
/// when a later wait moved the deadline on, so a dispatcher woken by every delivery does not
/// start a sleeping task per wake (thousands a second under load, each holding a timer).
public final class Wakeup: Sendable {
    private struct State {
        var signaled = false
        var waiter: CheckedContinuation<Void, Never>?
        var deadline = ContinuousClock.now
        /// When the running timer wakes next; nil: no timer runs.
        var timerTarget: ContinuousClock.Instant?
        /// Identifies the current timer; an older one ends when it wakes.
        var timerGeneration: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates a signal.
    public init() {}

    /// Wakes the waiter, or the next one to wait.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.signaled = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next signal or after `timeout`, whichever is first. One waiter at a time.
    func wait(upTo timeout: Duration) async {
        await withCheckedContinuation { continuation in
            let (resumeNow, newTimer) = state.withLock { state -> (Bool, UInt64?) in
                if state.signaled {
                    state.signaled = false
                    return (true, nil)
                }
                precondition(state.waiter == nil, "Wakeup has one waiter at a time")
                state.waiter = continuation
                state.deadline = .now + timeout
                // The running timer wakes in time (and sleeps on to a later deadline): keep it.
                if let target = state.timerTarget, target <= state.deadline { return (false, nil) }
                state.timerGeneration &+= 1
                state.timerTarget = state.deadline
                return (false, state.timerGeneration)
            }
            if resumeNow {
                continuation.resume()
            } else if let newTimer {
                Task { await self.runTimer(newTimer) }
            }
        }
    }

    /// Sleeps to the waiter's deadline; resumes it if it is still waiting then. Ends when nobody
    /// waits (the next wait starts a new timer).
    private func runTimer(_ generation: UInt64) async {
        var next = state.withLock { $0.deadline }
        while true {
            try? await Task.sleep(until: next, clock: .continuous)
            let (expired, later) = state.withLock { state -> (CheckedContinuation<Void, Never>?, ContinuousClock.Instant?) in
                // Superseded by a timer for an earlier deadline.
                guard state.timerGeneration == generation else { return (nil, nil) }
                guard let waiter = state.waiter else {
                    state.timerTarget = nil
                    return (nil, nil)
                }
                guard state.deadline > .now else {
                    state.waiter = nil
                    state.timerTarget = nil
                    return (waiter, nil)
                }
                state.timerTarget = state.deadline
                return (nil, state.deadline)
            }
            if let expired { expired.resume() }
            guard let later else { return }
            next = later
        }
    }
}
