import AcuhookServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sd_notify` without libsystemd: datagrams to the socket `NOTIFY_SOCKET` names.
@Suite struct SystemdNotifierTests {
    /// A datagram socket bound at `address` (a path, or `@name`); its descriptor.
    private func listen(_ address: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var name = sockaddr_un()
        name.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &name.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &name) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        #expect(bound == 0, "bind \(address): errno \(errno)")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    private func receive(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    @Test func readyReloadingAndStoppingReachTheSocketAtAPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let descriptor = try listen(path)
        defer { close(descriptor); unlink(path) }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(notifier.isEnabled)
        notifier.ready(status: "receiving on port 8080")
        #expect(receive(descriptor) == "READY=1\nSTATUS=receiving on port 8080")
        notifier.reloading()
        let reloading = receive(descriptor)
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") && Int(reloading.split(separator: "=").last ?? "") != nil)
        notifier.stopping()
        #expect(receive(descriptor) == "STOPPING=1\nSTATUS=stopping")
    }

    @Test func anAbstractSocketIsReachedToo() throws {
        let name = "@acuhook-test-\(UUID().uuidString.prefix(8))"
        let descriptor = try listen(name)
        defer { close(descriptor) }
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": name]).send("READY=1"))
        #expect(receive(descriptor) == "READY=1")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(!notifier.send("READY=1"))
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/socket"]).send("READY=1"))
    }
}
