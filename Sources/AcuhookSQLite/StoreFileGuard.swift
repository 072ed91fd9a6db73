import AcuhookStore
import Foundation
import Logging
import Synchronization

/// Notices the store file being deleted or replaced under the running process. SQLite keeps
/// writing to the file it opened, so without this, deliveries would be acknowledged into a
/// file nobody will ever read again. Once noticed, writes are refused (503) with one clear log
/// line; a restart opens (or creates) the file at the path again.
///
/// - Important: Thread-safe; ``problem()`` costs one `stat` at most every 100 ms.
final class StoreFileGuard: Sendable {
    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
    }

    private let path: String
    private let opened: Identity?
    private let logger: Logger
    private let state = Mutex<(checkedAt: ContinuousClock.Instant, problem: String?, logged: Bool)>((.now - .seconds(1), nil, false))

    /// Watches `path`, as it is now.
    init(path: String, logger: Logger) {
        self.path = path
        self.opened = Self.identity(path)
        self.logger = logger
    }

    /// Why the store cannot be written safely, or nil when its file is the one opened.
    func problem() -> String? {
        let now = ContinuousClock.now
        let (cached, fresh) = state.withLock { state -> (String?, Bool) in
            (state.problem, now - state.checkedAt < .milliseconds(100))
        }
        if fresh { return cached }
        let current = Self.identity(path)
        let problem: String? = switch (opened, current) {
        case (_, nil): "the store file \(path) was deleted while acuhook was running; deliveries are refused until it restarts"
        case (let opened?, let current?) where opened != current: "the store file \(path) was replaced while acuhook was running; deliveries are refused until it restarts"
        default: nil
        }
        let firstTime = state.withLock { state -> Bool in
            state.checkedAt = now
            state.problem = problem
            defer { if problem != nil { state.logged = true } }
            return problem != nil && !state.logged
        }
        if firstTime, let problem { logger.critical("store file gone", metadata: ["acuhook.error": "\(problem)"]) }
        return problem
    }

    private static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
