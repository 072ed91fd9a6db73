/// A handler plugin written in Swift.
///
/// Implement this on a class and export it from your library with one function:
///
/// ```swift
/// @_cdecl("acuhook_plugin_entry")
/// public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
///     PluginExport.entry(host: host, handler: MyHandler.self)
/// }
/// ```
///
/// - Important: ``handle(_:)`` runs on a host pool thread. If ``PluginMetadata/threadSafe`` is
///   true it may run concurrently on one instance; otherwise the host serialises calls.
public protocol AcuhookHandler: AnyObject {
    /// Name, version, default subscriptions and flags of the plugin.
    static var metadata: PluginMetadata { get }

    /// Creates the instance from the plugin's `config` section (JSON bytes; `{}` when absent).
    /// Throw to refuse: the error's description is shown to the operator.
    init(configuration: [UInt8], host: HostLink) throws

    /// Handles one event. The event is borrowed: copy what you keep.
    func handle(_ event: IncomingEvent) -> HandlerResult
}
