import AcuhookConfig
import AcuhookCore
import AcuhookInbound
import Foundation

/// What `acuhook serve` (and every command reading plugins or the store) runs on when no configuration file is given: safe defaults.
///
/// Listens on 127.0.0.1:8080 only; stores in `./acuhook-data/acuhook.db` (or the PostgreSQL
/// database `ACUHOOK_DATABASE_URL` names); loads the example
/// plugins built next to the binary and every plugin dropped in `./acuhook-data/plugins/`; one
/// source `acumatica` (`hmac-sha256`) whose secret is generated on first start and kept in
/// `./acuhook-data/secret` (mode 0600).
public enum DefaultSettings {
    /// The data folder.
    public static let dataDirectory = "acuhook-data"

    /// The defaults, and the secret if it was generated just now (to be printed once).
    public static func make() throws -> (AcuhookSettings, newSecret: String?) {
        let data = URL(fileURLWithPath: dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let (secret, created) = try loadOrCreateSecret(at: data.appendingPathComponent("secret"))
        var configuration = AcuhookSettings()
        configuration.store.path = data.appendingPathComponent("acuhook.db").path
        try applyDatabaseURL(to: &configuration.store)
        configuration.sources = [SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: [secret]))]
        configuration.pluginHost.plugins = examplePlugins(data: data)
        let folder = data.appendingPathComponent("plugins", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        configuration.pluginHost.directory = folder.path
        return (configuration, created ? secret : nil)
    }

    /// The defaults for commands that only read plugins and the store (`routes`, `plugins`):
    /// no source, so no secret is generated.
    public static func withoutSources() throws -> AcuhookSettings {
        let data = URL(fileURLWithPath: dataDirectory, isDirectory: true)
        var configuration = AcuhookSettings()
        configuration.store.path = data.appendingPathComponent("acuhook.db").path
        try applyDatabaseURL(to: &configuration.store)
        configuration.pluginHost.plugins = examplePlugins(data: data)
        let folder = data.appendingPathComponent("plugins").path
        if FileManager.default.fileExists(atPath: folder) { configuration.pluginHost.directory = folder }
        return configuration
    }

    /// The example plugins built next to this binary (or installed in `../lib/acuhook/plugins`),
    /// configured to write into `data`.
    public static func examplePlugins(data: URL = URL(fileURLWithPath: dataDirectory, isDirectory: true)) -> [PluginSettings] {
        var build = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = build.appendingPathComponent("../lib/acuhook/plugins").standardizedFileURL
        if FileManager.default.fileExists(atPath: installed.appendingPathComponent("libStockLog.so").path) { build = installed }
        var plugins: [PluginSettings] = []
        for (product, config) in [
            ("CustomerSync", #"{"output":"\#(data.appendingPathComponent("customers.jsonl").path)"}"#),
            ("OrderThreshold", #"{"order_total":1000}"#),
            ("StockLog", #"{"path":"\#(data.appendingPathComponent("stock.tsv").path)"}"#),
        ] {
            let path = build.appendingPathComponent("lib\(product).so").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            var plugin = PluginSettings(path: path)
            plugin.configJSON = Array(config.utf8)
            plugins.append(plugin)
        }
        return plugins
    }

    /// The secret in `file`, or a new random one written there with mode 0600.
    public static func loadOrCreateSecret(at file: URL) throws -> (String, created: Bool) {
        if let existing = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return (existing, false)
        }
        try? FileManager.default.removeItem(at: file)  // an empty one is replaced
        do {
            return (try SecretFiles.generate(at: file.path), true)
        } catch {
            throw ApplicationError("cannot write the generated secret to \(file.path)")
        }
    }
}


