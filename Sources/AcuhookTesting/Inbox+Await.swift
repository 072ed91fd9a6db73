import AcuhookCore
import AcuhookStore

extension Inbox {
    /// Commits `delivery` and waits for the result: ``Inbox/accept(_:keepKeyFor:completion:)``
    /// for callers that can wait (tests, benchmarks).
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration) async throws(StoreError) -> AcceptResult {
        try await withUnsafeContinuation { continuation in
            accept(delivery, keepKeyFor: retention) { continuation.resume(returning: $0) }
        }.get()
    }
}
