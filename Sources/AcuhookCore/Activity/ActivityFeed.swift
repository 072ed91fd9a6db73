import Synchronization

/// Fans ``ActivityEvent``s out to whoever follows them (the console's event stream, `acuhook
/// tail`). Publishing never blocks and costs one atomic load while nobody follows; a follower
/// that falls behind loses the oldest events beyond its buffer, never the publisher's time.
///
/// - Important: Thread-safe; ``publish(_:)`` is called from event loops and the dispatcher.
public final class ActivityFeed: Sendable {
    private let followers = Mutex<(streams: [Int: AsyncStream<ActivityEvent>.Continuation], closed: Bool)>(([:], false))
    private let count = Atomic<Int>(0)
    private let nextID = Atomic<Int>(0)
    /// Events buffered per follower before the oldest are dropped.
    public let bufferSize: Int

    /// A feed with `bufferSize` events of room per follower.
    public init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    /// Whether anyone follows now (publishers may skip building events otherwise).
    public var isFollowed: Bool { count.load(ordering: .relaxed) > 0 }

    /// Hands `event` to every follower.
    public func publish(_ event: ActivityEvent) {
        guard isFollowed else { return }
        followers.withLock { followers in
            for continuation in followers.streams.values { continuation.yield(event) }
        }
    }

    /// A stream of the events published from now on; ends when the caller stops iterating.
    public func follow() -> AsyncStream<ActivityEvent> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream<ActivityEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            let removed = self.followers.withLock { $0.streams.removeValue(forKey: id) != nil }
            if removed { self.count.wrappingSubtract(1, ordering: .relaxed) }
        }
        let open = followers.withLock { followers in
            guard !followers.closed else { return false }
            followers.streams[id] = continuation
            count.wrappingAdd(1, ordering: .relaxed)
            return true
        }
        if !open { continuation.finish() }
        return stream
    }

    /// Ends every follower's stream, and those of later followers at once (graceful shutdown:
    /// open event streams must not hold the server up).
    public func close() {
        let streams = followers.withLock { followers in
            followers.closed = true
            defer { followers.streams = [:] }
            return Array(followers.streams.values)
        }
        count.store(0, ordering: .relaxed)
        for continuation in streams { continuation.finish() }
    }
}
