import Synchronization

/// Runs an action once, when the last of `count` listeners reports that it is running.
final class ListenerCountdown: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () -> Void

    init(count: Int, action: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.action = action
    }

    /// One listener is running; the last one runs the action.
    func arrived() {
        let last = remaining.withLock { count in
            count -= 1
            return count == 0
        }
        if last { action() }
    }
}
