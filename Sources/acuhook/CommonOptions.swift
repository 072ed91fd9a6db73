import AcuhookApplication
import AcuhookConfig
import AcuhookServer
import ArgumentParser
import Foundation
import Logging

/// `--config` and `--log-level`, shared by the commands that read a configuration file.
struct CommonOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The YAML configuration file (default: ./acuhook.yaml if there is one, else the defaults `acuhook serve` runs on).")
    var config: String?

    @Option(help: "Log level for messages on standard error (trace, debug, info, notice, warning, error, critical).")
    var logLevel: Logger.Level = .critical

    /// Reads the configuration, turning its errors into a clean exit. Without `--config`:
    /// `./acuhook.yaml` when it exists, else what `acuhook serve` runs on without one (the
    /// default store and the example plugins; no secret is generated).
    func loadConfiguration() throws -> AcuhookSettings {
        if let config { return try loadConfigurationFile(config) }
        if FileManager.default.fileExists(atPath: "acuhook.yaml") { return try loadConfigurationFile("acuhook.yaml") }
        return try DefaultSettings.withoutSources()
    }

    /// A logger writing to standard error at the chosen level.
    func logger() -> Logger {
        var logger = Logger(label: "acuhook") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        return logger
    }
}

/// Reads a configuration file; its errors (file:line:column: key: expected …) end the command.
func loadConfigurationFile(_ path: String, secrets: SecretFiles.Policy = .require) throws -> AcuhookSettings {
    do {
        return try ConfigurationLoader.load(file: path, secrets: secrets)
    } catch {
        throw ValidationError(error.description)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LineLogHandler.Format: ExpressibleByArgument {}

/// Writes a table with aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in
        ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    for row in [header] + rows {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
