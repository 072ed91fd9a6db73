#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AcuhookCore
import ServiceLifecycle
import Synchronization

/// Looks at the listeners' certificate and key files every `interval` and reloads a pair once
/// both files have settled after a change (``SettledFiles``, as the plugins folder does), so a
/// renewal written in several steps is read only when complete. Each look also refreshes the
/// days-left gauge. SIGHUP reloads at once through ``CertificateReloader/reload(because:)``.
/// A swift-service-lifecycle `Service`.
public final class CertificateWatcher: Service, Sendable {
    private let reloaders: [CertificateReloader]
    private let interval: Duration
    private let state: Mutex<[Watched]>

    private struct Watched: Sendable {
        var settled = SettledFiles()
        var applied: [String: FileStamp]
    }

    /// Watches the files of `reloaders`, taking them as they are now as applied.
    public init(reloaders: [CertificateReloader], interval: Duration = .seconds(1)) {
        self.reloaders = reloaders
        self.interval = interval
        state = Mutex(reloaders.map { reloader in
            var watched = Watched(applied: [:])
            let stamps = Self.stamps(reloader)
            _ = watched.settled.observe(stamps)
            watched.applied = watched.settled.observe(stamps)
            return watched
        })
    }

    /// Looks once: reloads each pair whose files changed and settled. Returns how many
    /// reloads were attempted.
    @discardableResult
    public func look() -> Int {
        var attempted = 0
        for (index, reloader) in reloaders.enumerated() {
            let stamps = Self.stamps(reloader)
            let changed = state.withLock { state -> Bool in
                let settled = state[index].settled.observe(stamps)
                // Both files present and settled, and not what was last applied.
                guard settled.count == 2, settled != state[index].applied else { return false }
                state[index].applied = settled
                return true
            }
            if changed {
                reloader.reload(because: "the certificate or key file changed")
                attempted += 1
            }
            reloader.recordDaysLeft()
        }
        return attempted
    }

    /// Looks every `interval` until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
            look()
        }
    }

    /// The stamps of a pair's files (following symbolic links, as certbot's live folder has).
    private static func stamps(_ reloader: CertificateReloader) -> [String: FileStamp] {
        var stamps: [String: FileStamp] = [:]
        for path in [reloader.certificatePath, reloader.keyPath] {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            stamps[path] = FileStamp(size: Int64(info.st_size), modified: modified)
        }
        return stamps
    }
}
