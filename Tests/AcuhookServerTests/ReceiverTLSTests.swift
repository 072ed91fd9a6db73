import AcuhookInbound
import AcuhookServer
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ReceiverTLSTests {
    /// A self-signed certificate and key, made with openssl for this test.
    static func makeCertificate() throws -> (certificate: String, key: String) {
        let dir = try FixturePlugins.temporaryDirectory()
        let certificate = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
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
}
