import Foundation

/// A TCP proxy in front of a server (`Tests/Postgres/tcp_proxy.py`), for tests that take the
/// server away and bring it back without touching it.
public final class TCPProxy: @unchecked Sendable {
    /// The loopback port it listens on.
    public let port: Int
    /// Where it forwards to.
    public let targetHost: String, targetPort: Int
    private var process: Process?

    /// A proxy to `targetHost:targetPort` on a free port (not started).
    public init(targetHost: String, targetPort: Int) throws {
        self.port = try FreePort.take()
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    /// Starts forwarding; returns once it listens.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = packageRoot.appendingPathComponent("Tests/Postgres/tcp_proxy.py").path
        process.arguments = ["python3", script, String(port), targetHost, String(targetPort)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        _ = out.fileHandleForReading.availableData  // "listening"
        self.process = process
    }

    /// Stops it forwarding without closing anything (SIGSTOP): the server seems to hang.
    public func freeze() { if let process { kill(process.processIdentifier, SIGSTOP) } }

    /// Lets it forward again (SIGCONT).
    public func thaw() { if let process { kill(process.processIdentifier, SIGCONT) } }

    /// Ends it, closing every connection through it, and waits for the process (off the
    /// cooperative pool: `waitUntilExit` spins a run loop).
    public func stop() async {
        guard let process else { return }
        self.process = nil
        process.terminate()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
