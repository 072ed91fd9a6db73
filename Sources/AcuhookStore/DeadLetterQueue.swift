/// Jobs that will not run again by themselves: inspected, replayed or purged by an operator.
public protocol DeadLetterQueue: Sendable {
    /// Dead-lettered jobs matching `filter`, oldest first, with every attempt.
    func deadLetters(_ filter: DeadLetterFilter, limit: Int) async throws(StoreError) -> [DeadLetter]
    /// How many dead letters match `filter`.
    func deadLetterCount(_ filter: DeadLetterFilter) async throws(StoreError) -> Int

    /// Puts matching dead letters back in the queue with a fresh attempt budget (their history
    /// is kept); returns how many. The jobs are chosen once, up front, then replayed `batchSize`
    /// at a time, each batch in its own short transaction; `progress(done, total)` follows each
    /// batch. A job that left the queue meanwhile (purged, replayed elsewhere) is not counted.
    func replay(
        _ filter: DeadLetterFilter,
        nowUnixMilliseconds: Int64,
        batchSize: Int,
        progress: (_ done: Int, _ total: Int) -> Void
    ) async throws(StoreError) -> Int

    /// Deletes matching dead letters and their attempts; returns how many.
    func purge(_ filter: DeadLetterFilter) async throws(StoreError) -> Int
}

extension DeadLetterQueue {
    /// The first 1000 dead letters matching `filter`.
    public func deadLetters(_ filter: DeadLetterFilter = DeadLetterFilter()) async throws(StoreError) -> [DeadLetter] {
        try await deadLetters(filter, limit: 1000)
    }

    /// Replays matching dead letters 500 at a time.
    public func replay(
        _ filter: DeadLetterFilter,
        nowUnixMilliseconds: Int64,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws(StoreError) -> Int {
        try await replay(filter, nowUnixMilliseconds: nowUnixMilliseconds, batchSize: 500, progress: progress)
    }
}
