import Logging

/// What an `acuhook_host_handle *` points at: the plugin instance's identity for logging.
/// Retained by the ``PluginInstance`` for as long as the plugin may use it.
final class PluginHostHandle: Sendable {
    /// Logger with `acuhook.plugin` set.
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}
