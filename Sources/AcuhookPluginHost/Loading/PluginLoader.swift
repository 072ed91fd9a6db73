import CAcuhookPlugin
import Foundation
import Logging
import Synchronization

/// Loads plugin files with `dlopen` and negotiates the ABI through `acuhook_plugin_entry`.
public enum PluginLoader {
    /// Loads are serialised so that log lines written during an entry point can be attributed.
    private static let lock = Mutex(())

    /// Loads the plugin file at `path`.
    ///
    /// Refuses a Swift plugin built by another Swift toolchain (``SwiftToolchainCheck``), then
    /// opens it with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`, calls its entry point with the host
    /// table and checks the descriptor. Loading the same path again returns the same image.
    /// - Throws: ``PluginLoadError`` with a distinct code for each failure.
    public static func load(path: String, logger: Logger) throws(PluginLoadError) -> PluginImage {
        // dlopen searches the library path for a name without a slash: `libX.so` means this folder's.
        let path = path.contains("/") ? path : "./" + path
        guard FileManager.default.fileExists(atPath: path) else {
            throw PluginLoadError(.fileMissing, path: path, "no file at this path (build the plugin, or fix `path` in the configuration)")
        }
        if let file = ELFFile(path: path), let problem = SwiftToolchainCheck.problem(with: file) {
            throw PluginLoadError(.swiftToolchainMismatch, path: path, problem)
        }
        return try lock.withLock { _ throws(PluginLoadError) in
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
                throw PluginLoadError(.notLoadable, path: path, "not a loadable shared object: \(reason)")
            }
            _ = dlerror()
            guard let symbol = dlsym(handle, ACUHOOK_PLUGIN_ENTRY_SYMBOL) else {
                throw PluginLoadError(
                    .entrySymbolMissing,
                    path: path,
                    "does not export `\(ACUHOOK_PLUGIN_ENTRY_SYMBOL)`; is it an Acuhook plugin? (Swift: `@_cdecl(\"\(ACUHOOK_PLUGIN_ENTRY_SYMBOL)\")`)"
                )
            }
            let entry = unsafeBitCast(symbol, to: acuhook_plugin_entry_fn.self)
            HostAPITable.loading.withLock { $0 = (path, logger) }
            defer { HostAPITable.loading.withLock { $0 = nil } }
            guard let descriptor = entry(HostAPITable.pointer) else {
                throw PluginLoadError(
                    .refused,
                    path: path,
                    "the plugin refused to load (its entry point returned NULL; see its log lines above). Host ABI is \(ACUHOOK_ABI_VERSION_MAJOR).\(ACUHOOK_ABI_VERSION_MINOR)"
                )
            }
            return try check(descriptor, path: path)
        }
    }

    private static func check(_ descriptor: UnsafePointer<acuhook_plugin_descriptor>, path: String) throws(PluginLoadError) -> PluginImage {
        // size and the two version fields come first in every version of the layout.
        let size = Int(descriptor.pointee.size)
        let major = Int(descriptor.pointee.abi_major)
        let minor = Int(descriptor.pointee.abi_minor)
        guard major == ACUHOOK_ABI_VERSION_MAJOR else {
            throw PluginLoadError(
                .abiMismatch,
                path: path,
                "built for plugin ABI \(major).\(minor), but this host speaks ABI \(ACUHOOK_ABI_VERSION_MAJOR).\(ACUHOOK_ABI_VERSION_MINOR); rebuild it against this host's acuhook_plugin.h"
            )
        }
        // The smallest layout of the negotiated minor (the lower of the plugin's and the host's).
        let negotiated = min(minor, PluginABI.minor)
        let minimum = PluginABI.descriptorSize(minor: negotiated)
        guard size >= minimum else {
            throw PluginLoadError(
                .descriptorTooSmall,
                path: path,
                "descriptor is \(size) bytes, smaller than the ABI 1.\(negotiated) layout (\(minimum) bytes); set `size` to sizeof(acuhook_plugin_descriptor)"
            )
        }
        let d = descriptor.pointee
        guard d.name.len > 0, d.name.ptr != nil else {
            throw PluginLoadError(.invalidDescriptor, path: path, "descriptor has an empty name")
        }
        guard d.handle != nil else {
            throw PluginLoadError(.invalidDescriptor, path: path, "descriptor has no `handle` function")
        }
        guard d.subscription_count == 0 || d.subscriptions != nil else {
            throw PluginLoadError(.invalidDescriptor, path: path, "descriptor has subscription_count > 0 but no subscriptions")
        }
        return PluginImage(path: path, descriptor: descriptor, negotiatedMinor: negotiated)
    }
}

/// The ABI version this host speaks.
public enum PluginABI {
    /// `major.minor`, e.g. `1.0`.
    public static let version = "\(ACUHOOK_ABI_VERSION_MAJOR).\(ACUHOOK_ABI_VERSION_MINOR)"
    /// The major version: a plugin declaring another one is refused.
    public static let major = Int(ACUHOOK_ABI_VERSION_MAJOR)
    /// The minor version: plugins declaring a newer one load, their extra fields unread.
    public static let minor = Int(ACUHOOK_ABI_VERSION_MINOR)

    /// The smallest `acuhook_plugin_descriptor` a plugin of `minor` may pass: 1.0 ends at
    /// `destroy`, 1.1 (and later) at `handle_batch`.
    public static func descriptorSize(minor: Int) -> Int {
        let last = minor >= 1 ? \acuhook_plugin_descriptor.handle_batch : \acuhook_plugin_descriptor.destroy
        return MemoryLayout<acuhook_plugin_descriptor>.offset(of: last)! + MemoryLayout<UnsafeRawPointer>.size
    }
}

extension PluginABI {
    /// The Swift compiler that built this host (`Swift version 6.3.1 (swift-6.3.1-RELEASE)`):
    /// Swift plugins must be built by the same one. Nil when the binary does not record it.
    /// Reads the binary's own ELF sections on first use.
    public static var hostSwiftCompiler: String? { SwiftToolchainCheck.host.compiler }
}
