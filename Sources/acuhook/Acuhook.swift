import AcuhookApplication
import AcuhookPluginHost
import ArgumentParser

/// The `acuhook` command: receives Acumatica webhooks and runs handler plugins on them.
@main
struct Acuhook: AsyncParsableCommand {
    /// The release.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "acuhook",
        abstract: "Receive Acumatica webhooks and run your handler plugins on every event.",
        // Reading the compiler's name scans the binary's debug strings: only for --version.
        version: CommandLine.arguments.contains("--version") ? versionText : version,
        subcommands: [
            ServeCommand.self, CheckCommand.self, SendCommand.self, StatusCommand.self, TailCommand.self, DLQCommand.self, PluginsCommand.self,
            RoutesCommand.self, ReplayCommand.self, NewPluginCommand.self, BreakerCommand.self, StoreCommand.self, PluginWorkerCommand.self,
        ]
    )

    /// Parses and runs the command. What the libraries cannot start with (``ApplicationError``: a
    /// store, a folder, a certificate, a secret) is reported as every validation error is:
    /// `Error: …`, the usage, exit status 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error as ApplicationError {
            exit(withError: ValidationError(error.description))
        } catch {
            exit(withError: error)
        }
    }

    /// `acuhook 0.1.0`, the plugin ABI, and the Swift compiler Swift plugins must be built with.
    static var versionText: String {
        """
        acuhook \(version)
        plugin ABI \(PluginABI.version)
        built by \(PluginABI.hostSwiftCompiler ?? "an unrecorded Swift compiler") (build Swift plugins with this compiler)
        """
    }
}
