import AcuhookConfig
import AcuhookCore
import Logging
import ServiceLifecycle
import Synchronization

/// Watches the drop-in plugins folder (`plugin_host.directory`) by looking at it every
/// `interval`: once a file added, replaced or removed has settled (``SettledFiles``), the
/// folder's plugins change and `apply` runs (the same reload as SIGHUP, so calls in flight finish
/// and nothing is lost). A swift-service-lifecycle `Service`.
final class PluginFolderWatcher: Service, Sendable {
    let folder: PluginFolder
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())
    /// Set once, before `run`: the reload to call when the folder's plugins change.
    private let apply = Mutex<(@Sendable () async -> Void)?>(nil)

    private struct State {
        var settled = SettledFiles()
        var applied: [String: FileStamp] = [:]
        var plugins: [PluginSettings] = []
        var problems: [PluginFolder.Problem] = []
    }

    /// Takes the folder's files as they are now (a start does not wait for them to settle).
    /// - Throws: ``ConfigurationError`` when the folder does not exist or cannot be read.
    init(folder: PluginFolder, interval: Duration = .seconds(1), logger: Logger) throws(ConfigurationError) {
        self.folder = folder
        self.interval = interval
        self.logger = logger
        let stamps = try folder.list()
        state.withLock { state in
            _ = state.settled.observe(stamps)
            state.applied = state.settled.observe(stamps)
            (state.plugins, state.problems) = folder.plugins(state.applied.keys)
        }
        report(state.withLock { $0.problems })
    }

    /// The folder's usable plugins, as last applied.
    var plugins: [PluginSettings] { state.withLock { $0.plugins } }
    /// Its files that cannot be used (a bad sidecar), as last applied.
    var problems: [PluginFolder.Problem] { state.withLock { $0.problems } }

    /// Sets what runs when the folder's plugins change.
    func onChange(_ body: @escaping @Sendable () async -> Void) {
        apply.withLock { $0 = body }
    }

    /// Looks once; returns whether the settled files changed (and the plugins were re-read).
    @discardableResult
    func look() -> Bool {
        let stamps: [String: FileStamp]
        do {
            stamps = try folder.list()
        } catch {
            logger.warning("cannot read the plugins folder; its plugins stay as they are", metadata: ["acuhook.error": "\(error)"])
            return false
        }
        let problems: [PluginFolder.Problem]? = state.withLock { state in
            let settled = state.settled.observe(stamps)
            guard settled != state.applied else { return nil }
            state.applied = settled
            (state.plugins, state.problems) = folder.plugins(settled.keys)
            return state.problems
        }
        guard let problems else { return false }
        logger.notice("the plugins folder changed; reloading", metadata: ["acuhook.plugins.folder": "\(folder.directory)"])
        report(problems)
        return true
    }

    private func report(_ problems: [PluginFolder.Problem]) {
        for problem in problems {
            logger.error("plugin in the plugins folder not loaded", metadata: ["acuhook.plugin.path": "\(problem.file)", "acuhook.error": "\(problem.message)"])
        }
    }

    /// Looks every `interval` until graceful shutdown.
    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
            if look(), let apply = apply.withLock({ $0 }) { await apply() }
        }
    }
}
