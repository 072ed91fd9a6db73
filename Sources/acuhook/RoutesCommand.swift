import AcuhookApplication
import AcuhookConfig
import AcuhookCore
import AcuhookPluginHost
import AcuhookStore
import ArgumentParser
import Foundation
import Logging

/// `acuhook routes --config F [--event T …]`.
struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "Print which plugins receive each event type, in call order, and where each route comes from.",
        discussion: "Origins: 'plugin default' (its descriptor), 'config file' (events / disabled_events), 'runtime override' (acuhook plugins enable|disable, or the admin API; stored)."
    )

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("event"), help: "An event type to show (repeatable). Default: the types Acumatica's guide names.")
    var events: [String] = []

    func validate() throws {
        for event in events where !EventTypeName.isValid(event) {
            throw ValidationError("'\(event)' is not an event type of the form Entity.Action")
        }
    }

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let (inspected, entries) = await Self.routes(configuration, logger: options.logger())
        let router = Router(entries: entries)
        let origins = Dictionary(uniqueKeysWithValues: entries.map { ($0.plugin, $0.origin.rawValue) })
        let types = events.isEmpty ? EventTypeName.knownTypes : events
        printTable(
            ["EVENT TYPE", "PLUGINS"],
            types.map { type in
                let plugins = router.plugins(for: type)
                return [type, plugins.isEmpty ? "(none)" : plugins.map { "\($0) [\(origins[$0] ?? "")]" }.joined(separator: ", ")]
            }
        )
        for item in inspected {
            if case .failure(let error) = item.loaded { print("not loaded: \(error)") }
        }
    }
}

extension RoutesCommand {
    /// The configuration's plugins as inspected (descriptors read, nothing created) and their
    /// route entries with the store's runtime overrides applied: the routes `acuhook serve` uses.
    static func routes(_ configuration: AcuhookSettings, logger: Logger) async -> ([PluginCatalog.Inspected], [RouteEntry]) {
        let inspected = PluginCatalog.inspect(configuration.pluginHost.withFolder().plugins, logger: logger)
        var entries = inspected.compactMap { try? $0.loaded.get().route }
        // Runtime overrides stored by `acuhook plugins enable|disable` or the admin API.
        if let overrides = try? await StoreOpener.with(configuration.store, logger: logger, { try await $0.overrides().overrides }) {
            var byPlugin: [String: [(pattern: EventPattern, enabled: Bool)]] = [:]
            for case .route(let plugin, let text, let enabled) in overrides {
                if let pattern = try? EventPattern(parsing: text) { byPlugin[plugin, default: []].append((pattern, enabled)) }
            }
            entries = entries.map { $0.applying(byPlugin[$0.plugin] ?? []) }
        }
        return (inspected, entries)
    }
}
