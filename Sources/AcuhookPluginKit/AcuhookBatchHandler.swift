/// A handler plugin that takes several events in one call (the ABI 1.1 `handle_batch` entry),
/// to do one database round trip or one API request for all of them.
///
/// The host calls it with batches only when the plugin's configuration says `batch:`; otherwise
/// it calls ``AcuhookHandler/handle(_:)``, which by default hands over a batch of one.
///
/// - Important: Runs on a host pool thread, like ``AcuhookHandler/handle(_:)``: concurrently
///   on one instance only if ``PluginMetadata/threadSafe`` is true. Events of one entity come in
///   the order they must be handled.
public protocol AcuhookBatchHandler: AcuhookHandler {
    /// Handles `events` and returns one result per event, in the same order. The events are
    /// borrowed: copy what you keep. An event without a result (the array is shorter) counts as
    /// an invalid status: a failure, retried, and judged by the breaker.
    func handle(_ events: [IncomingEvent]) -> [HandlerResult]
}

extension AcuhookBatchHandler {
    /// One event, as a batch of one.
    public func handle(_ event: IncomingEvent) -> HandlerResult {
        handle([event]).first ?? .retry("the batch handler returned no result")
    }
}
