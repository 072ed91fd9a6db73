import AcuhookConfig
import AcuhookInbound
import Foundation
import Testing

/// `${secret:PATH}`: a file's content, created by `acuhook serve` at first start.
@Suite struct SecretFilesTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-secrets-\(UUID().uuidString)")
    let yaml = """
        sources:
          - name: erp
            # an old one: ${secret:never/made}
            auth: {scheme: hmac-sha256, secrets: ["${secret:state/secrets/erp}"]}
        """

    private func load(_ policy: SecretFiles.Policy) throws(ConfigurationError) -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: folder.path, environment: [:], secrets: policy)
    }

    private func secret(_ configuration: AcuhookSettings) -> String? {
        if case .hmacSHA256(_, let secrets) = configuration.sources.first?.authentication { return secrets.first }
        return nil
    }

    @Test func serveCreatesAMissingSecretOnceWithMode0600InAPrivateFolder() throws {
        let first = try load(.generate)
        let path = folder.appendingPathComponent("state/secrets/erp").path
        #expect(first.secretFiles.generated == [path])
        let value = try #require(secret(first))
        #expect(value.count == 64 && value.allSatisfy(\.isHexDigit))
        let file = try FileManager.default.attributesOfItem(atPath: path)
        let secrets = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("state/secrets").path)
        let state = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("state").path)
        #expect((file[.posixPermissions] as? Int) == 0o600)
        #expect((secrets[.posixPermissions] as? Int) == 0o700)
        #expect((state[.posixPermissions] as? Int) != 0o700, "only the secrets' own folder is private")
        // The next start reads the same secret and creates nothing; the commented-out one is never made.
        let second = try load(.generate)
        #expect(secret(second) == value && second.secretFiles.generated.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("never").path))
    }

    @Test func otherCommandsNameTheMissingFileWithItsLine() {
        #expect {
            _ = try load(.require)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("acuhook.yaml:4:") && text.contains("state/secrets/erp does not exist")
        }
    }

    @Test func checkNotesAMissingFileAndCarriesOn() throws {
        let configuration = try load(.allowMissing)
        #expect(configuration.secretFiles.missing == [folder.appendingPathComponent("state/secrets/erp").path])
        #expect(secret(configuration) != nil && configuration.secretFiles.generated.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("state").path))
    }

    @Test func anEmptySecretFileIsAnError() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state/secrets"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder.appendingPathComponent("state/secrets/erp").path, contents: Data("\n".utf8))
        #expect {
            _ = try load(.generate)
        } throws: { error in
            "\(error)".contains("is empty")
        }
    }
}
