import AcuhookApplication
import AcuhookConfig
import AcuhookCore
import AcuhookPluginHost
import AcuhookStore
import ArgumentParser
import Foundation
import Logging

/// `--config` for the commands that change a server's runtime overrides through its store.
/// Without it: the default store (`./acuhook-data/acuhook.db`) and the example plugins.
struct OperatorOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file (its store and plugins are used).")
    var config: String?

    /// Runs `body` with the configured plugins (for checking names) and the store, closed after.
    func withStore<T>(_ body: (_ plugins: [PluginSettings], _ store: any EventStore) async throws -> T) async throws -> T {
        let configuration = try config.map { try loadConfigurationFile($0) } ?? DefaultSettings.withoutSources()
        let plugins = configuration.pluginHost.withFolder().plugins
        return try await StoreOpener.with(configuration.store, existing: false, logger: Logger(label: "acuhook")) { store in try await body(plugins, store) }
    }

    /// Fails unless `name` is one of the configured plugins.
    func check(_ name: String, in plugins: [PluginSettings]) throws {
        let quiet = Logger(label: "acuhook") { _ in SwiftLogNoOpLogHandler() }
        let names = PluginCatalog.inspect(plugins.filter(\.enabled), logger: quiet).compactMap { try? $0.loaded.get().image.name }
        guard names.contains(name) else {
            throw ValidationError("no plugin named '\(name)' in the configuration (plugins: \(names.joined(separator: ", ")))")
        }
    }
}

/// Now, for the commands' stored changes (the CLI reads the system's wall clock).
func nowMilliseconds() -> Int64 { SystemWallClock().nowUnixMilliseconds }

/// `acuhook breaker open|reset|disable PLUGIN`: hold a plugin's breaker, or release it.
struct BreakerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breaker",
        abstract: "Hold a plugin's circuit breaker open or disabled, or reset it.",
        discussion: """
            'open' stops all calls to the plugin (its jobs wait in the store, no attempt spent); \
            'disable' keeps it closed whatever fails; 'reset' releases either and closes a breaker \
            that failures opened. Stored, so it survives restarts; a running 'acuhook serve' \
            applies it within a second.
            """
    )

    @Argument(help: "open, reset or disable.") var action: BreakerAction
    @Argument(help: "The plugin's name.") var plugin: String
    @OptionGroup var options: OperatorOptions

    func run() async throws {
        try await options.withStore { plugins, store in
            try options.check(plugin, in: plugins)
            switch action {
            case .open: try await store.setOverride(.breaker(plugin: plugin, state: .open), nowUnixMilliseconds: nowMilliseconds())
            case .disable: try await store.setOverride(.breaker(plugin: plugin, state: .disabled), nowUnixMilliseconds: nowMilliseconds())
            case .reset:
                // Also closes a breaker that failures opened: the server acts on the request once.
                try await store.resetBreaker(plugin: plugin, nowUnixMilliseconds: nowMilliseconds())
            }
        }
        print("breaker of \(plugin): \(action == .reset ? "reset" : action == .open ? "held open" : "disabled") (stored; a running server applies it within a second)")
    }
}

extension BreakerAction: ExpressibleByArgument {}

/// `acuhook plugins enable|disable PLUGIN --event T` and `plugins clear-routes PLUGIN`.
struct RouteOverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Enable or disable an event type or pattern for a plugin at runtime.",
        shouldDisplay: false
    )

    /// Shared body of enable and disable.
    static func change(plugin: String, event: String, enabled: Bool, options: OperatorOptions) async throws {
        guard (try? EventPattern(parsing: event)) != nil else {
            throw ValidationError("'\(event)' is not an event type or pattern (Entity.Action, Entity.*, *.Action or *)")
        }
        try await options.withStore { plugins, store in
            try options.check(plugin, in: plugins)
            try await store.setOverride(.route(plugin: plugin, pattern: event, enabled: enabled), nowUnixMilliseconds: nowMilliseconds())
        }
        print("\(plugin) \(enabled ? "now receives" : "no longer receives") \(event) (stored; a running server applies it within a second)")
    }
}
