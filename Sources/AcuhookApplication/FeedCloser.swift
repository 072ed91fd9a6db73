import AcuhookCore
import ServiceLifecycle

/// Closes the activity feed when graceful shutdown begins, so that open event streams (the
/// console's live view, `acuhook tail`) end and do not hold the admin listener's shutdown up.
struct FeedCloser: Service {
    let feed: ActivityFeed

    func run() async throws {
        try? await gracefulShutdown()
        feed.close()
    }
}
