import Synchronization

/// A race between work and a timer, for calls that must not hang: whichever ends first answers.
enum Deadline {
    /// Runs `work` in a task of its own and returns its result, or a ``DeadlineExceeded``
    /// failure once `limit` has passed. A late `work` goes on in the background and its result
    /// is dropped (postgres-nio's queries cannot be cancelled mid-flight; the connection ends them).
    /// While `armed` answers false when the time is up, the timer lets the work go on (a writer
    /// that holds a connection bounds each statement itself, with a ``StatementWatchdog``).
    static func race<T: Sendable>(
        _ limit: Duration, armed: @escaping @Sendable () -> Bool = { true }, _ work: @escaping @Sendable () async throws -> T
    ) async -> Result<T, any Error> {
        let answered = Mutex(false)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            let finish: @Sendable (Result<T, any Error>) -> Void = { result in
                let first = answered.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: result) }
            }
            // The timer ends with the work: no sleeping task outlives a call on the hot paths.
            let timer = Mutex<Task<Void, Never>?>(nil)
            let worker = Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await work())
                } catch {
                    result = .failure(error)
                }
                finish(result)
                timer.withLock { $0?.cancel() }
            }
            let clock = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled, armed() else { return }
                finish(.failure(DeadlineExceeded(limit: limit)))
                // A lease still waited for is given up (the pool's request is cancelled).
                worker.cancel()
            }
            timer.withLock { $0 = clock }
            // The work may have ended before the timer was stored.
            if answered.withLock({ $0 }) { clock.cancel() }
        }
    }
}

/// The database did not answer in time.
struct DeadlineExceeded: Error, CustomStringConvertible {
    /// How long it had.
    let limit: Duration

    var description: String { "no answer within \(limit) (the database is unreachable or overloaded)" }
}
