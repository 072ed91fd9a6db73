import Foundation

/// Refuses a Swift plugin built by another Swift toolchain than the host's, before `dlopen`.
///
/// Swift has no stable ABI on Linux, and a process holds one Swift runtime: the dynamic loader
/// hands a plugin the host's `libswiftCore.so` whatever it was built against. A plugin compiled by
/// another compiler would then run on a runtime it does not match, and fail in ways that name
/// neither. Two facts tell: the compiler named in each binary's debug information, and the
/// folder of the Swift runtime each links (a plugin's run path, the host's loaded library).
/// Plugins in C (no `libswiftCore.so`) are never checked.
enum SwiftToolchainCheck {
    /// The host's compiler (from its own debug information; nil when stripped) and the folder of
    /// the Swift runtime it runs. Read once.
    static let host: (compiler: String?, runtimeFolder: String?) = {
        let compiler = ELFFile(path: "/proc/self/exe")?.swiftCompiler
        // The runtime this process mapped: a line of /proc/self/maps ending in libswiftCore.so.
        // (Read to the end: /proc files report a size of 0.)
        let maps = FileHandle(forReadingAtPath: "/proc/self/maps").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) } ?? ""
        guard let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
              let slash = line.firstIndex(of: "/")
        else { return (compiler, nil) }
        return (compiler, URL(fileURLWithPath: String(line[slash...])).resolvingSymlinksInPath().deletingLastPathComponent().path)
    }()

    /// Why the plugin must not load, or nil when it may.
    static func problem(with plugin: ELFFile, host: (compiler: String?, runtimeFolder: String?) = Self.host) -> String? {
        guard plugin.needed.contains(where: { $0.hasPrefix("libswiftCore.so") }) else { return nil }
        let runtime = plugin.runPath.first { FileManager.default.fileExists(atPath: $0 + "/libswiftCore.so") }
            .map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        let runtimeNote: String? = {
            guard let hostFolder = host.runtimeFolder, runtime != hostFolder else { return nil }
            let linked = runtime.map { "the Swift runtime in \($0)" }
                ?? "a Swift runtime from \(plugin.runPath.isEmpty ? "no run path" : plugin.runPath.joined(separator: ":")) (not on this machine)"
            return "it links \(linked), and this host runs the one in \(hostFolder)"
        }()
        if let built = plugin.swiftCompiler, let hostCompiler = host.compiler {
            guard built != hostCompiler else { return nil }
            return "built by \(built), but this host by \(hostCompiler)"
                + (runtimeNote.map { "; \($0)" } ?? "")
                + ". A Swift plugin must be built by the host's Swift compiler: rebuild it with that toolchain (its `swift --version`), or write it in C"
        }
        guard let runtimeNote else { return nil }
        return "\(runtimeNote), and which compiler built it is not recorded (no debug information). "
            + "A Swift plugin must be built by the host's Swift toolchain: rebuild it with that toolchain, or write it in C"
    }
}
