import Dispatch
import Foundation

/// What a finished command printed.
public struct CommandOutput: Sendable {
    /// The exit status.
    public var status: Int32
    /// What it wrote on standard output.
    public var stdout: String
    /// What it wrote on standard error.
    public var stderr: String
}

/// Runs `executable` with `arguments` to completion. The blocking wait happens on a Dispatch
/// thread, never on Swift's cooperative pool (which other tests' timers need).
public func runCommand(_ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> CommandOutput {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runCommandBlocking(executable, arguments, in: directory, environment: environment) })
        }
    }
}

private func runCommandBlocking(_ executable: String, _ arguments: [String], in directory: URL?, environment: [String: String]) throws -> CommandOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandOutput(
        status: process.terminationStatus,
        stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self)
    )
}

/// Runs the `acuhook` binary built next to the tests.
public func acuhook(_ arguments: String..., in directory: URL? = nil) async throws -> CommandOutput {
    try await runCommand(FixturePlugins.acuhookExecutable, arguments, in: directory)
}

/// The package's root folder (this file is Sources/AcuhookTesting/CommandRunner.swift).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
