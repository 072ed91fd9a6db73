import AcuhookInbound
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import AcuhookServer

@Suite struct ReceiverTLSTests {
    /// A self-signed certificate and key, made with openssl for this test.
    static func makeCertificate(serial: String = "0x01", in dir: URL? = nil, name: String = "") throws -> (certificate: String, key: String) {
        let dir = try dir ?? FixturePlugins.temporaryDirectory()
        let certificate = dir.appendingPathComponent("cert\(name).pem").path
        let key = dir.appendingPathComponent("key\(name).pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-set_serial", serial,
            "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return (certificate, key)
    }

    @Test func servesOverTLSWithAGeneratedCertificate() async throws {
        let (certificate, key) = try Self.makeCertificate()
        var server = ServerSettings()
        server.tlsCertificate = certificate
        server.tlsKey = key
        let receiver = try TestReceiver(server: server)
        try await receiver.application().test(.ahc(.https)) { client in
            let response = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody), body: ByteBuffer(string: seedBody))
            #expect(response.status == .ok)
            #expect(response.json["events"] as? Int == 1)
        }
        #expect(try await receiver.store.count("events") == 1)
    }

    @Test func tls10And11AreRefusedAnd12And13Negotiated() async throws {
        let (certificate, key) = try Self.makeCertificate()
        var server = ServerSettings()
        server.port = 0
        (server.tlsCertificate, server.tlsKey) = (certificate, key)
        let receiver = try TestReceiver(server: server)
        try await receiver.withLiveServer { port in
            for (flag, accepted) in [("-tls1", false), ("-tls1_1", false), ("-tls1_2", true), ("-tls1_3", true)] {
                let output = try Self.sClient(port: port, flag)
                #expect(output.contains("Cipher is (NONE)") != accepted, "\(flag): \(output)")
                if accepted { #expect(output.contains(flag == "-tls1_2" ? "TLSv1.2" : "TLSv1.3")) }
            }
        }
    }

    @Test func aNewPairIsAppliedAndOneThatCannotBeUsedKeepsTheOld() throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let served = try Self.makeCertificate(serial: "0x0a0a", in: dir)
        let next = try Self.makeCertificate(serial: "0x0b0b", in: dir, name: "-next")
        let reloader = try CertificateReloader(listener: "receiver", certificate: served.certificate, key: served.key, logger: Logger(label: "test"))
        #expect(reloader.status.serial == "0a0a" && reloader.status.lastError == nil)

        // Renewed: both files replaced.
        try FileManager.default.removeItem(atPath: served.certificate)
        try FileManager.default.copyItem(atPath: next.certificate, toPath: served.certificate)
        try FileManager.default.removeItem(atPath: served.key)
        try FileManager.default.copyItem(atPath: next.key, toPath: served.key)
        #expect(reloader.reload(because: "test"))
        #expect(reloader.status.serial == "0b0b")

        // A key that is not the certificate's: refused, the served pair stays.
        let other = try Self.makeCertificate(serial: "0x0c0c", in: dir, name: "-other")
        try FileManager.default.removeItem(atPath: served.key)
        try FileManager.default.copyItem(atPath: other.key, toPath: served.key)
        #expect(!reloader.reload(because: "test"))
        #expect(reloader.status.serial == "0b0b")
        #expect(reloader.status.lastError?.contains("cannot be used with the certificate") == true)

        // Unreadable files, and a certificate past its end: refused, each saying why.
        #expect(throws: CertificateError.self) { try CertificateReloader.load(certificate: dir.appendingPathComponent("missing.pem").path, key: next.key, now: Date()) }
        #expect {
            try CertificateReloader.load(certificate: next.certificate, key: next.key, now: Date().addingTimeInterval(3 * 86_400))
        } throws: { error in
            "\(error)".contains("expired on")
        }
    }

    @Test func theWatcherReloadsOnceBothFilesHaveSettled() throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let served = try Self.makeCertificate(serial: "0x0a0a", in: dir)
        let next = try Self.makeCertificate(serial: "0x0b0b", in: dir, name: "-next")
        let reloader = try CertificateReloader(listener: "receiver", certificate: served.certificate, key: served.key, logger: Logger(label: "test"))
        let watcher = CertificateWatcher(reloaders: [reloader])
        #expect(watcher.look() == 0)
        try FileManager.default.removeItem(atPath: served.certificate)
        try FileManager.default.copyItem(atPath: next.certificate, toPath: served.certificate)
        try FileManager.default.removeItem(atPath: served.key)
        try FileManager.default.copyItem(atPath: next.key, toPath: served.key)
        #expect(watcher.look() == 0)  // changed: not settled yet
        #expect(reloader.status.serial == "0a0a")
        #expect(watcher.look() == 1)  // the same on a second look: applied
        #expect(reloader.status.serial == "0b0b")
        #expect(watcher.look() == 0)
    }

    /// What `openssl s_client` printed for a handshake with `flag` (`-tls1_1`…).
    static func sClient(port: Int, _ flag: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", flag]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
