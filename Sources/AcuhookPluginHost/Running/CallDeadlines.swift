import Synchronization

/// The deadlines of a transport's calls in flight, kept by one watcher task on the injected clock
/// instead of a timer task per call.
///
/// A call registers its deadline when it starts and removes it when it ends; the watcher sleeps
/// until the earliest deadline, runs the expiry of every call past it, and sleeps again. Calls
/// of one transport share one timeout, so a new deadline is never earlier than those waiting and
/// a busy transport wakes its watcher about once per timeout, not once per call. The watcher
/// ends when no call is in flight and the next registration starts another. A deadline earlier
/// than the one the watcher sleeps until (a shorter timeout) replaces the watcher.
final class CallDeadlines<C: Clock>: Sendable where C.Duration == Duration {
    private struct Entry {
        let deadline: C.Instant
        let expire: @Sendable () -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        /// The current watcher's generation; an older watcher that wakes does nothing.
        var generation: UInt64 = 0
        /// Whether a watcher of the current generation runs.
        var watching = false
        /// The deadline the current watcher sleeps until, once it has chosen one.
        var target: C.Instant?
    }

    private let clock: C
    private let state = Mutex(State())

    /// Deadlines measured on `clock`.
    init(clock: C) { self.clock = clock }

    /// Registers call `id`, which `expire` ends if it is still registered at `clock.now + timeout`.
    /// `expire` runs on the watcher's task, outside any lock.
    func add(_ id: UInt64, timeout: Duration, expire: @escaping @Sendable () -> Void) {
        let deadline = clock.now.advanced(by: timeout)
        let start = state.withLock { state -> UInt64? in
            state.entries[id] = Entry(deadline: deadline, expire: expire)
            if state.watching, let target = state.target, target <= deadline { return nil }
            if state.watching, state.target == nil { return nil }  // it has yet to pick its target: it will see this one
            state.generation &+= 1
            state.watching = true
            state.target = nil
            return state.generation
        }
        if let start { watch(generation: start) }
    }

    /// Removes call `id` (it ended before its deadline, or its expiry ran).
    func remove(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Calls registered and not removed.
    var count: Int { state.withLock { $0.entries.count } }

    /// Watchers started so far.
    var watchersStarted: UInt64 { state.withLock { $0.generation } }

    private func watch(generation: UInt64) {
        Task { [weak self] in
            while let next = self?.nextDeadline(generation: generation) {
                guard let clock = self?.clock else { return }
                try? await clock.sleep(until: next, tolerance: nil)
                guard let expired = self?.takeExpired(generation: generation) else { return }
                for expire in expired { expire() }
            }
        }
    }

    /// The earliest deadline, recorded as the watcher's target; nil (and the watcher ends) when
    /// nothing is registered or a newer watcher took over.
    private func nextDeadline(generation: UInt64) -> C.Instant? {
        state.withLock { state in
            guard state.generation == generation else { return nil }
            guard let earliest = state.entries.values.min(by: { $0.deadline < $1.deadline })?.deadline else {
                state.watching = false
                state.target = nil
                return nil
            }
            state.target = earliest
            return earliest
        }
    }

    /// Removes and returns the expiries of the calls past their deadline; nil when a newer
    /// watcher took over.
    private func takeExpired(generation: UInt64) -> [@Sendable () -> Void]? {
        let now = clock.now
        return state.withLock { state in
            guard state.generation == generation else { return nil }
            state.target = nil
            let due = state.entries.filter { $0.value.deadline <= now }
            for id in due.keys { state.entries.removeValue(forKey: id) }
            return due.values.map(\.expire)
        }
    }
}
