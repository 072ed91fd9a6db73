import AcuhookCore
import Synchronization

/// The latest answered deliveries of one kind, in memory: a ring of bounded size.
///
/// - Important: Thread-safe.
final class RecentAnswers: Sendable {
    private let ring: Mutex<(items: [ActivityEvent.Answer], next: Int)>
    private let capacity: Int

    /// A ring of `capacity` answers.
    init(capacity: Int) {
        self.capacity = capacity
        ring = Mutex(([], 0))
    }

    /// Keeps `answer`, dropping the oldest beyond the capacity.
    func append(_ answer: ActivityEvent.Answer) {
        ring.withLock { ring in
            if ring.items.count < capacity {
                ring.items.append(answer)
            } else {
                ring.items[ring.next] = answer
            }
            ring.next = (ring.next + 1) % capacity
        }
    }

    /// Every kept answer, newest first.
    var all: [ActivityEvent.Answer] {
        ring.withLock { ring in
            guard ring.items.count == capacity else { return ring.items.reversed() }
            return Array((ring.items[ring.next...] + ring.items[..<ring.next]).reversed())
        }
    }
}
