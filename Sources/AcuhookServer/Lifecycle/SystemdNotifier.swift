import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells systemd about the service's state (`sd_notify`), for a unit of `Type=notify`: one
/// datagram of `KEY=value` lines to the Unix socket `NOTIFY_SOCKET` names (a path, or `@name` in
/// the abstract namespace). Without that variable (not run by systemd) it does nothing.
///
/// Thread-safe: every call opens, sends and closes its own socket.
public struct SystemdNotifier: Sendable {
    /// The socket's address as `NOTIFY_SOCKET` gives it; nil: not run by systemd.
    public let socketPath: String?

    /// The notifier for the socket `NOTIFY_SOCKET` names in `environment`.
    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"] ?? ""
        socketPath = path.isEmpty ? nil : path
    }

    /// Whether there is anyone to tell.
    public var isEnabled: Bool { socketPath != nil }

    /// The service is up: both listeners accept connections. `status` is shown by `systemctl status`.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// The configuration is being re-read (SIGHUP); ``ready(status:)`` ends it.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        send("RELOADING=1\nMONOTONIC_USEC=\(Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1_000)")
    }

    /// Shutting down: connections drain, jobs are handed back.
    public func stopping() { send("STOPPING=1\nSTATUS=stopping") }

    /// Sends `message`; false when there is no socket or it could not be written (systemd gone).
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        // `@name`: the abstract namespace, whose address starts with a NUL byte.
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
        return sent == bytes.count
    }
}

/// Tells systemd `STOPPING=1` as soon as graceful shutdown starts (add it last to the service
/// group: the group tells its services in reverse order).
public struct SystemdStoppingNotice: Service {
    let notifier: SystemdNotifier

    /// A notice through `notifier`.
    public init(notifier: SystemdNotifier) { self.notifier = notifier }

    /// Waits for graceful shutdown, then notifies.
    public func run() async throws {
        try await gracefulShutdown()
        notifier.stopping()
    }
}
