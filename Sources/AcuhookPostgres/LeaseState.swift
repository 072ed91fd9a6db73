import Synchronization

/// Whether a writer's connection lease came in time: exactly one of ``take()`` (the pool granted
/// it) and ``expire()`` (the operation timeout passed first) succeeds, so a batch is either
/// written or failed, never both.
final class LeaseState: Sendable {
    private static let waiting = 0, granted = 1, expired = 2
    private let state = Atomic<Int>(LeaseState.waiting)

    /// The lease was granted: true when it came before the timeout.
    func take() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.granted, ordering: .acquiringAndReleasing).exchanged
    }

    /// The timeout passed: true when no lease came before it.
    func expire() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.expired, ordering: .acquiringAndReleasing).exchanged
    }

    /// The lease came in time (the writer answered its batches).
    var taken: Bool { state.load(ordering: .acquiring) == Self.granted }
}
