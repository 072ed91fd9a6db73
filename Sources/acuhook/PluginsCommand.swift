import AcuhookConfig
import AcuhookCore
import AcuhookPluginHost
import ArgumentParser
import Foundation
import Logging

/// `acuhook plugins …`: inspect plugin files and the configured plugins.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Inspect plugin files and the plugins a configuration loads.",
        subcommands: [Check.self, PluginsRunCommand.self, List.self, Enable.self, Disable.self, ClearRoutes.self]
    )

    /// `acuhook plugins check FILE.so`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load one plugin file and print what it declares (exit 1 if it cannot be loaded)."
        )

        @Argument(help: "The plugin's shared library (lib<Name>.so).")
        var file: String

        func run() async throws {
            let logger = Logger(label: "acuhook") { StreamLogHandler.standardError(label: $0) }
            do {
                let image = try PluginLoader.load(path: file, logger: logger)
                print("name:          \(image.name)")
                print("version:       \(image.version)")
                print("abi:           \(image.abiMajor).\(image.abiMinor) (host \(PluginABI.version))")
                print("subscriptions: \(image.subscriptions.isEmpty ? "(none)" : image.subscriptions.joined(separator: ", "))")
                print("flags:         \(image.threadSafe ? "thread_safe" : "(none: calls are serialised)")")
                print("batch:         \(image.handlesBatches ? "handle_batch (used with `batch:` in its settings)" : "(none: one event per call)")")
                print("path:          \(image.path)")
                _ = try image.subscriptionPatterns()
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }

    /// `acuhook plugins list --config F`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the configured plugins and whether each loads (exit 1 if any does not)."
        )

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let configuration = try options.loadConfiguration()
            let (settings, problems) = configuration.pluginHost.withFolder()
            let inspected = PluginCatalog.inspect(settings, logger: options.logger())
            var rows: [[String]] = []
            var failed = false
            for item in inspected {
                let s = item.settings
                switch item.loaded {
                case .success(let (image, route)):
                    let events = route.events.map(\.description).joined(separator: ", ")
                    rows.append([
                        image.name, image.version, "\(image.abiMajor).\(image.abiMinor)",
                        image.threadSafe ? "\(s.maxConcurrency)" : "1 (serial)",
                        s.isolation == .process ? "process ×\(s.workers)" : "in-process",
                        DurationText.format(s.timeout), "\(events) (\(route.origin.rawValue))", "ok",
                    ])
                case .failure(let error):
                    failed = true
                    rows.append(["-", "-", "-", "-", s.isolation.rawValue, DurationText.format(s.timeout), "-", "error: \(error)"])
                }
            }
            for disabled in settings where !disabled.enabled {
                rows.append(["-", "-", "-", "-", "-", "-", "-", "disabled: \(disabled.path)"])
            }
            for problem in problems {
                failed = true
                rows.append(["-", "-", "-", "-", "-", "-", "-", "error: \(problem)"])
            }
            printTable(["NAME", "VERSION", "ABI", "CONCURRENCY", "ISOLATION", "TIMEOUT", "EVENTS", "STATUS"], rows)
            if failed { throw ExitCode.failure }
        }
    }

    /// The plugin and the event type or pattern that enable and disable change.
    struct RouteOptions: ParsableArguments {
        @Argument(help: "The plugin's name.") var plugin: String
        @Option(help: "The event type or pattern.") var event: String
        @OptionGroup var options: OperatorOptions

        func change(enabled: Bool) async throws {
            try await RouteOverrideCommand.change(plugin: plugin, event: event, enabled: enabled, options: options)
        }
    }

    /// `acuhook plugins enable PLUGIN --event T`.
    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a plugin receive an event type or pattern (runtime override, stored).")
        @OptionGroup var route: RouteOptions

        func run() async throws { try await route.change(enabled: true) }
    }

    /// `acuhook plugins disable PLUGIN --event T`.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a plugin receiving an event type or pattern (runtime override, stored).")
        @OptionGroup var route: RouteOptions

        func run() async throws { try await route.change(enabled: false) }
    }

    /// `acuhook plugins clear-routes PLUGIN`.
    struct ClearRoutes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear-routes",
            abstract: "Remove a plugin's runtime route overrides (back to its configured routes)."
        )
        @Argument(help: "The plugin's name.") var plugin: String
        @OptionGroup var options: OperatorOptions

        func run() async throws {
            let removed = try await options.withStore { plugins, store in
                try options.check(plugin, in: plugins)
                return try await store.removeRouteOverrides(plugin: plugin, pattern: nil)
            }
            print("removed \(removed) route override(s) of \(plugin)")
        }
    }
}
