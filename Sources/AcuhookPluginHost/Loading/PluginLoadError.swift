/// Why a plugin could not be loaded or instantiated. Each case has its own code and a message
/// that says what to do.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible {
    /// Stable codes, one per failure.
    public enum Code: String, Sendable {
        /// No file at the path.
        case fileMissing = "file_missing"
        /// `dlopen` refused the file (not a shared object, wrong architecture, missing library).
        case notLoadable = "not_loadable"
        /// A Swift plugin built by another Swift toolchain than the host's (its compiler, or the
        /// runtime it links, differs).
        case swiftToolchainMismatch = "swift_toolchain_mismatch"
        /// The file does not export `acuhook_plugin_entry`.
        case entrySymbolMissing = "entry_symbol_missing"
        /// `acuhook_plugin_entry` returned NULL.
        case refused = "refused"
        /// The plugin was built for another ABI major.
        case abiMismatch = "abi_mismatch"
        /// The descriptor is smaller than the 1.0 layout.
        case descriptorTooSmall = "descriptor_too_small"
        /// The descriptor lacks a required field (name, handle, create).
        case invalidDescriptor = "invalid_descriptor"
        /// The plugin's `create` failed.
        case createFailed = "create_failed"
        /// Another loaded plugin has the same name.
        case duplicateName = "duplicate_name"
        /// A configured event pattern is invalid, or a default subscription is.
        case invalidSubscription = "invalid_subscription"
    }

    /// Which failure.
    public var code: Code
    /// The plugin file.
    public var path: String
    /// What went wrong, in words.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// "<path>: <message> [code]".
    public var description: String { "\(path): \(message) [\(code.rawValue)]" }
}
