import AcuhookApplication
import AcuhookConfig
import AcuhookPluginHost
import AcuhookSQLite
import AcuhookServer
import AcuhookStore
import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix

/// `acuhook check [--config F] [--json]`: could `acuhook serve` start on this configuration?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a configuration without serving: the file, its secrets and TLS files, every plugin, the store, the ports.",
        discussion: """
            Loads every configured plugin and every plugin in the plugins folder (without calling \
            them), checks that the store can be reached and written without changing it, and that \
            the listeners' ports are free (--skip-ports where acuhook is already running). Secret \
            files that do not exist yet are noted, not errors: acuhook serve creates them. The \
            package's unit runs it before every start. Exit status: 0 when everything passed, 1 \
            when a check failed, 2 when the configuration itself cannot be used.
            """
    )

    @Option(name: .shortAndLong, help: "The YAML configuration file (default: ./acuhook.yaml if there is one, else the defaults).")
    var config: String?

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @Flag(help: "Do not check that the ports are free (acuhook is running on them).")
    var skipPorts = false

    func run() async throws {
        var report = CheckReport()
        let configuration: AcuhookSettings
        do {
            configuration = try load()
        } catch {
            report.add("configuration", .failed, "\(error)")
            report.print(json: json)
            throw ExitCode(2)
        }
        report.add("configuration", .ok, "\(config ?? "(defaults)"): \(configuration.sources.count) source(s), \(configuration.pluginHost.plugins.count) plugin(s)")
        if config != nil, configuration.sources.isEmpty {
            report.add("sources", .failed, "no sources: nothing could be received")
        }
        for path in configuration.secretFiles.missing {
            report.add("secret", .note, "\(path) does not exist yet: acuhook serve creates it at first start")
        }
        checkTLS(configuration, into: &report)
        checkPlugins(configuration, into: &report)
        await checkStore(configuration.store, into: &report)
        if !skipPorts { await checkPorts(configuration, into: &report) }
        report.print(json: json)
        if !report.passed { throw ExitCode.failure }
    }

    /// The parts checked log nothing: what they found is the report.
    private var logger: Logger { Logger(label: "acuhook") { _ in SwiftLogNoOpLogHandler() } }

    private func load() throws -> AcuhookSettings {
        if let config { return try ConfigurationLoader.load(file: config, secrets: .allowMissing) }
        if FileManager.default.fileExists(atPath: "acuhook.yaml") { return try ConfigurationLoader.load(file: "acuhook.yaml", secrets: .allowMissing) }
        return try DefaultSettings.withoutSources()
    }

    private func checkTLS(_ configuration: AcuhookSettings, into report: inout CheckReport) {
        let listeners = [
            ("receiver", configuration.server.tlsCertificate, configuration.server.tlsKey, configuration.server.limits),
            ("admin", configuration.admin.enabled ? configuration.admin.tlsCertificate : nil, configuration.admin.tlsKey, configuration.admin.limits),
        ]
        for (listener, certificate, key, limits) in listeners where certificate != nil {
            do {
                _ = try ListenerProtection.make(listener: listener, limits: limits, trustedProxies: [], certificate: certificate, key: key, logger: logger)
                report.add("tls.\(listener)", .ok, "\(certificate ?? "")")
            } catch {
                report.add("tls.\(listener)", .failed, "\(error)")
            }
        }
    }

    private func checkPlugins(_ configuration: AcuhookSettings, into report: inout CheckReport) {
        let (settings, problems) = configuration.pluginHost.withFolder()
        for item in PluginCatalog.inspect(settings, logger: logger) {
            switch item.loaded {
            case .success(let (image, route)):
                report.add("plugin", .ok, "\(image.name) \(image.version) (ABI \(image.abiMajor).\(image.abiMinor)): \(route.events.map(\.description).joined(separator: ", "))")
            case .failure(let error):
                report.add("plugin", .failed, "\(error)")
            }
        }
        for problem in problems { report.add("plugin", .failed, "\(problem)") }
    }

    private func checkStore(_ store: StoreSettings, into report: inout CheckReport) async {
        if store.postgres == nil {
            do {
                report.add("store", .ok, try SQLiteStoreFile.probe(store: store.path))
            } catch {
                report.add("store", .failed, "\(error)")
            }
            return
        }
        do {
            try await StoreOpener.with(store, logger: logger) { store in
                try await store.checkWritable()
                report.add("store", .ok, "\(store.location): reachable, writable")
            }
        } catch {
            report.add("store", .failed, "\(error)")
        }
    }

    private func checkPorts(_ configuration: AcuhookSettings, into report: inout CheckReport) async {
        var listeners = [("receiver", configuration.server.host, configuration.server.port)]
        if configuration.admin.enabled {
            listeners.append(("admin", configuration.admin.host, configuration.admin.resolvedPort(serverPort: configuration.server.port)))
        }
        for (listener, host, port) in listeners where port != 0 {
            do {
                let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .bind(host: host, port: port).get()
                try await channel.close()
                report.add("port.\(listener)", .ok, "\(host):\(port) is free")
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                report.add("port.\(listener)", .failed, "\(host):\(port) is in use (by a running acuhook? then pass --skip-ports)")
            } catch {
                report.add("port.\(listener)", .failed, "cannot listen on \(host):\(port): \(error)")
            }
        }
    }
}

/// The lines `acuhook check` prints.
struct CheckReport {
    /// How one check ended.
    enum Status: String, Encodable {
        case ok, failed, note
    }

    /// One check.
    struct Check: Encodable {
        var name: String
        var status: Status
        var detail: String
    }

    private(set) var checks: [Check] = []

    /// No check failed.
    var passed: Bool { !checks.contains { $0.status == .failed } }

    mutating func add(_ name: String, _ status: Status, _ detail: String) {
        checks.append(Check(name: name, status: status, detail: detail))
    }

    /// One line per check, or one JSON object `{"ok": …, "checks": [{name, status, detail}]}`.
    func print(json: Bool) {
        if json {
            struct Document: Encodable {
                var ok: Bool
                var checks: [Check]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(Document(ok: passed, checks: checks))) ?? Data("{}".utf8)
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        for check in checks {
            Swift.print("\(check.status.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(check.name.padding(toLength: 13, withPad: " ", startingAt: 0)) \(check.detail)")
        }
        Swift.print(passed ? "acuhook can start on this configuration" : "acuhook would not start as it should: see the failed checks above")
    }
}
