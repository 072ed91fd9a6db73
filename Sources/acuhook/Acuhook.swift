import ArgumentParser

/// The `acuhook` command: receives Acumatica webhooks and runs handler plugins on them.
@main
struct Acuhook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acuhook",
        abstract: "Receive Acumatica webhooks and run your handler plugins on every event.",
        version: "0.1.0",
        subcommands: [ServeCommand.self, SendCommand.self, StatusCommand.self, TailCommand.self, DLQCommand.self, PluginsCommand.self, RoutesCommand.self, NewPluginCommand.self, BreakerCommand.self, StoreCommand.self, PluginWorkerCommand.self]
    )
}
