import AcuhookConfig
import AcuhookDispatch
import AcuhookPluginHost

extension ApplicationParts {
    /// The reload: the configuration file is read again and its plugins, with the plugins
    /// folder's, replace the running ones (SIGHUP, `POST /admin/reload`, or a change in the
    /// folder). Other sections apply at the next start. A file that no longer reads keeps the
    /// running plugins.
    func reloader() -> @Sendable () async -> PluginReloadReport {
        let (file, initial, logger, store, plugins, folder) = (options.configurationFile, configuration.pluginHost, logger, store, plugins, folder)
        let copies = AcuhookApplication.pluginCopies(configuration)
        return {
            var host = initial
            host.plugins = DefaultSettings.examplePlugins()
            if let file {
                do {
                    host = try ConfigurationLoader.load(file: file).pluginHost
                } catch {
                    logger.error("reload failed; the previous plugins keep running", metadata: ["acuhook.error": "\(error)"])
                    plugins.countReload(applied: false)
                    return .init(applied: false, errors: ["\(error)"])
                }
            }
            host.plugins += folder?.plugins ?? []
            let report = await plugins.reload(host, copiesDirectory: copies)  // counts itself
            if report.applied { _ = try? await OverrideWatcher.applyNow(store: store, host: plugins) }
            return report
        }
    }
}
