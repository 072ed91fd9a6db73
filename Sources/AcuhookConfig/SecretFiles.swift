import Foundation

/// `${secret:PATH}` in settings: the text kept in the file PATH (relative paths against the
/// configuration file's folder), trimmed. `acuhook serve` generates a file that does not exist
/// yet: 32 random bytes as hex, mode 0600, in a folder made with mode 0700. So a package can ship
/// a configuration naming its secrets while each installation gets its own at first start.
public enum SecretFiles {
    /// What a reference to a file that does not exist does.
    public enum Policy: Sendable {
        /// It is created with a new random secret (`acuhook serve`).
        case generate
        /// It is reported, and a placeholder stands in (`acuhook check`, before the first start).
        case allowMissing
        /// It is an error (every other command).
        case require
    }

    /// The files a configuration names, read.
    public struct Resolution: Sendable, Equatable {
        /// `secret:PATH` (as written) → the secret.
        public var values: [String: String] = [:]
        /// Files created just now, absolute.
        public var generated: [String] = []
        /// Files that do not exist (``Policy/allowMissing`` only), absolute.
        public var missing: [String] = []
    }

    /// Stands in for a secret not generated yet: long enough for every length check.
    static let placeholder = "secret-file-not-generated-yet-0000000000000000"

    /// Reads (or generates, or notes) every `${secret:PATH}` in `yaml`.
    static func resolve(yaml: String, file: String, baseDirectory: String, policy: Policy) throws(ConfigurationError) -> Resolution {
        var resolution = Resolution()
        for (written, line, column) in references(in: yaml) where resolution.values["secret:" + written] == nil {
            let path = written.hasPrefix("/") ? written : URL(fileURLWithPath: baseDirectory).appendingPathComponent(written).path
            func failure(_ message: String) -> ConfigurationError {
                ConfigurationError(file: file, line: line, column: column, key: "", message: message)
            }
            if !FileManager.default.fileExists(atPath: path) {
                switch policy {
                case .require:
                    throw failure("secret file \(path) does not exist (`acuhook serve` creates it at first start)")
                case .allowMissing:
                    resolution.missing.append(path)
                    resolution.values["secret:" + written] = placeholder
                    continue
                case .generate:
                    do {
                        try generate(at: path)
                    } catch {
                        throw failure("cannot create secret file \(path): \(error)")
                    }
                    resolution.generated.append(path)
                }
            }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw failure("cannot read secret file \(path): \(error.localizedDescription)")
            }
            guard !text.isEmpty else { throw failure("secret file \(path) is empty") }
            resolution.values["secret:" + written] = text
        }
        return resolution
    }

    /// Each `${secret:PATH}` in `yaml`: the path as written, and its 1-based line and column.
    static func references(in yaml: String) -> [(path: String, line: Int, column: Int)] {
        var found: [(String, Int, Int)] = []
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // A commented-out reference is not one.
            var rest = line.prefix { $0 != "#" }[...]
            while let start = rest.range(of: "${secret:"), let end = rest[start.upperBound...].firstIndex(of: "}") {
                let path = String(rest[start.upperBound..<end])
                if !path.isEmpty { found.append((path, index + 1, line.distance(from: line.startIndex, to: start.lowerBound) + 1)) }
                rest = rest[end...].dropFirst()
            }
        }
        return found
    }

    /// Writes a new secret to `path`, which must not exist: the folder is made (0700) if needed.
    /// Returns the secret.
    @discardableResult
    public static func generate(at path: String) throws -> String {
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            // Only the secrets' own folder is private; the folders above it are made as usual.
            try FileManager.default.createDirectory(atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let line = secret + "\n"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let written = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        guard written == line.utf8.count, fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return secret
    }
}
