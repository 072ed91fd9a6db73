import AcuhookCore
import CAcuhookPlugin

/// A loaded plugin file: its descriptor and a copy of everything it says about itself.
///
/// The image is never unloaded (`RTLD_NODELETE`; `dlclose` of a Swift image is unsafe), so the
/// descriptor pointer stays valid for the life of the process.
public struct PluginImage: @unchecked Sendable {
    /// The path it was loaded from.
    public let path: String
    /// The plugin's name.
    public let name: String
    /// The plugin's version string.
    public let version: String
    /// The ABI version it was built against.
    public let abiMajor: Int, abiMinor: Int
    /// Its default subscriptions, as written.
    public let subscriptions: [String]
    /// Whether `handle` may run concurrently on one instance.
    public let threadSafe: Bool
    /// The raw descriptor flags.
    public let flags: UInt64
    /// The ABI minor both sides speak: the lower of the plugin's and the host's.
    public let negotiatedMinor: Int
    /// Whether the plugin handles several events in one call (`handle_batch`, ABI 1.1).
    public let handlesBatches: Bool
    /// The descriptor; immutable and immortal.
    let descriptor: UnsafePointer<acuhook_plugin_descriptor>

    init(path: String, descriptor: UnsafePointer<acuhook_plugin_descriptor>, negotiatedMinor: Int) {
        let d = descriptor.pointee
        self.path = path
        self.descriptor = descriptor
        self.negotiatedMinor = negotiatedMinor
        // Read only when the negotiated layout has the field (the loader checked the size).
        self.handlesBatches = negotiatedMinor >= 1 && d.handle_batch != nil
        self.name = String(decoding: UnsafeRawBufferPointer(d.name), as: UTF8.self)
        self.version = String(decoding: UnsafeRawBufferPointer(d.version), as: UTF8.self)
        self.abiMajor = Int(d.abi_major)
        self.abiMinor = Int(d.abi_minor)
        self.flags = d.flags
        self.threadSafe = d.flags & UInt64(ACUHOOK_PLUGIN_THREAD_SAFE) != 0
        if let list = d.subscriptions {
            self.subscriptions = (0..<d.subscription_count).map {
                String(decoding: UnsafeRawBufferPointer(list[$0]), as: UTF8.self)
            }
        } else {
            self.subscriptions = []
        }
    }

    /// The default subscriptions, parsed.
    public func subscriptionPatterns() throws(PluginLoadError) -> [EventPattern] {
        do {
            return try subscriptions.map { text throws(EventPatternError) in try EventPattern(parsing: text) }
        } catch {
            throw PluginLoadError(.invalidSubscription, path: path, "plugin '\(name)' subscribes with an invalid \(error)")
        }
    }
}
