/// Runs operations one at a time, in the order they arrive (a FIFO lock for async code).
actor SoloLane {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `operation` when every earlier one has finished.
    func run<T: Sendable>(_ operation: @Sendable () async -> T) async -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return await operation()
    }
}
