import CoreMetrics
import Foundation
import Logging
import NIOSSL
import Synchronization

/// One listener's TLS certificate chain and key, re-read without a restart: every new
/// connection takes the context current at its accept, so open connections keep theirs and
/// nothing is dropped. A new pair that cannot be used (unreadable, not PEM, a key that does not
/// match the certificate, expired or not yet valid) leaves the current one in place, and says
/// why in ``status``.
///
/// TLS 1.2 is the oldest version offered (RFC 8996 deprecates 1.0 and 1.1); TLS 1.3 is
/// preferred; TLS 1.2 offers only ECDHE key exchange with AEAD ciphers (Mozilla's
/// "intermediate" list).
///
/// Series: `acuhook_tls_certificate_days_left{listener}` (days until the served certificate
/// expires, fractional; negative once expired) and `acuhook_tls_reloads_total{listener,result}`.
///
/// - Important: Thread-safe.
public final class CertificateReloader: Sendable {
    /// What is served, and how the last attempt to re-read it went.
    public struct Status: Sendable, Equatable {
        /// The served certificate's serial number, in hex.
        public var serial: String
        /// When it expires, seconds since the Unix epoch.
        public var notAfter: Int64
        /// Why the last attempt to load a new pair failed; nil when it succeeded.
        public var lastError: String?
    }

    /// The TLS 1.2 cipher suites offered (OpenSSL's cipher string format); TLS 1.3's are fixed.
    public static let cipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// The listener's name, the `listener` label: `receiver` or `admin`.
    public let listener: String
    /// The PEM certificate chain file.
    public let certificatePath: String
    /// The PEM private key file.
    public let keyPath: String
    private let logger: Logger
    private let state: Mutex<(context: NIOSSLContext, status: Status)>
    private let daysLeft: Gauge
    private let applied: Counter
    private let refused: Counter

    /// Loads the pair for `listener`.
    /// - Throws: ``CertificateError`` when it cannot be used: the listener does not start.
    public init(listener: String, certificate: String, key: String, logger: Logger, factory: any MetricsFactory = MetricsSystem.factory) throws {
        self.listener = listener
        certificatePath = certificate
        keyPath = key
        self.logger = logger
        let loaded = try Self.load(certificate: certificate, key: key, now: Date())
        state = Mutex((loaded.context, loaded.status))
        daysLeft = Gauge(label: "acuhook_tls_certificate_days_left", dimensions: [("listener", listener)], factory: factory)
        applied = Counter(label: "acuhook_tls_reloads_total", dimensions: [("listener", listener), ("result", "applied")], factory: factory)
        refused = Counter(label: "acuhook_tls_reloads_total", dimensions: [("listener", listener), ("result", "refused")], factory: factory)
        recordDaysLeft()
    }

    /// The context a new connection's handshake uses.
    public var context: NIOSSLContext { state.withLock { $0.context } }
    /// What is served, and how the last attempt to re-read it went.
    public var status: Status { state.withLock { $0.status } }

    /// Reads the pair again; applies it when it can be used, else keeps the current one.
    /// Returns whether it was applied.
    @discardableResult
    public func reload(because reason: String) -> Bool {
        do {
            let loaded = try Self.load(certificate: certificatePath, key: keyPath, now: Date())
            let previous = state.withLock { state in
                defer { state = (loaded.context, loaded.status) }
                return state.status.serial
            }
            applied.increment()
            recordDaysLeft()
            logger.notice(
                "TLS certificate reloaded",
                metadata: [
                    "acuhook.listener": "\(listener)", "acuhook.tls.reason": "\(reason)",
                    "acuhook.tls.serial": "\(loaded.status.serial)", "acuhook.tls.previous_serial": "\(previous)",
                    "acuhook.tls.not_after": "\(Self.dateText(loaded.status.notAfter))",
                ]
            )
            return true
        } catch {
            let serial = state.withLock { state in
                state.status.lastError = "\(error)"
                return state.status.serial
            }
            refused.increment()
            logger.error(
                "TLS certificate not reloaded; the current one is still served",
                metadata: ["acuhook.listener": "\(listener)", "acuhook.tls.reason": "\(reason)", "acuhook.tls.serial": "\(serial)", "acuhook.error": "\(error)"]
            )
            return false
        }
    }

    /// Sets the days-left gauge from the served certificate and the time now.
    public func recordDaysLeft(now: Date = Date()) {
        let notAfter = state.withLock { $0.status.notAfter }
        daysLeft.record((Double(notAfter) - now.timeIntervalSince1970) / 86_400)
    }

    /// A server configuration for `chain` and `key`: TLS 1.2 or newer, ``cipherSuites``.
    public static func serverConfiguration(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = cipherSuites
        return configuration
    }

    /// Reads and checks a pair, and makes its context.
    static func load(certificate: String, key: String, now: Date) throws(CertificateError) -> (context: NIOSSLContext, status: Status) {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw CertificateError(file: certificate, "cannot read a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else { throw CertificateError(file: certificate, "holds no certificate") }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw CertificateError(file: key, "cannot read a PEM private key (\(error))")
        }
        let seconds = Int64(now.timeIntervalSince1970)
        guard Int64(leaf.notValidAfter) > seconds else {
            throw CertificateError(file: certificate, "expired on \(dateText(Int64(leaf.notValidAfter)))")
        }
        guard Int64(leaf.notValidBefore) <= seconds else {
            throw CertificateError(file: certificate, "not valid before \(dateText(Int64(leaf.notValidBefore)))")
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: serverConfiguration(chain: chain, key: privateKey))
        } catch {
            // BoringSSL refuses a key that is not the certificate's (KEY_VALUES_MISMATCH).
            throw CertificateError(file: key, "cannot be used with the certificate in \(certificate) (\(error))")
        }
        let serial = leaf.serialNumber.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        return (context, Status(serial: serial, notAfter: Int64(leaf.notValidAfter), lastError: nil))
    }

    /// A Unix time as an ISO 8601 date and time (UTC).
    public static func dateText(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}

/// A TLS certificate or key that cannot be used: the file and what is wrong.
public struct CertificateError: Error, Sendable, CustomStringConvertible {
    /// The file at fault.
    public var file: String
    /// What is wrong with it.
    public var message: String

    init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    /// "file: message".
    public var description: String { "\(file): \(message)" }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
