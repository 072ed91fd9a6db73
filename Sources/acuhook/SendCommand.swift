import AcuhookApplication
import AcuhookConfig
import AcuhookInbound
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// `acuhook send`: posts a signed sample event to a running receiver — our `stripe trigger`.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Post a signed sample event (or a file) to a running receiver.",
        discussion: """
            The body is a guide-format sample for EVENT_TYPE (default Customer.Updated), a real-shaped \
            push notification (--push-notification), or a file (--file). It is signed with the \
            source's scheme and first secret from --config, or with --secret (hmac-sha256), or with \
            the secret 'acuhook serve' generated in ./acuhook-data/secret.
            """
    )

    @Argument(help: "Event type of the guide-format sample (Customer.Updated, SalesOrder.Inserted, StockItem.Deleted, …).")
    var eventType: String = "Customer.Updated"

    @Flag(help: "Send a push notification (Inserted/Deleted rows) instead of a guide-format event.")
    var pushNotification = false

    @Option(help: "Send this file's bytes as the body.")
    var file: String?

    @Option(help: "Entity id for the guide-format sample.")
    var entityId: String?

    @Option(help: "OrderTotal for a SalesOrder sample.")
    var orderTotal: Double = 1500

    @Option(name: .shortAndLong, help: "Take the URL, scheme and secret from this configuration.")
    var config: String?

    @Option(help: "The source to send to (default: the first in the configuration, or 'acumatica').")
    var source: String?

    @Option(help: "The receiver's URL (default: from the configuration, or http://127.0.0.1:8080/webhooks/<source>).")
    var url: String?

    @Option(help: "An hmac-sha256 secret to sign with (overrides the configuration).")
    var secret: String?

    @Option(help: "Delivery id header (X-Acumatica-Delivery); default: a new UUID. Resend one to see deduplication.")
    var deliveryId: String?

    @Option(help: "A CA certificate (PEM) to trust for https URLs (e.g. a self-signed test certificate).")
    var cacert: String?

    func run() async throws {
        let body: [UInt8]
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            body = Array(data)
        } else if pushNotification {
            body = SampleEvents.pushNotification()
        } else {
            body = SampleEvents.guideEvent(eventType, entityId: entityId, orderTotal: orderTotal)
        }

        var authentication: AuthenticationSettings
        var target = url
        var sourceName = source ?? "acumatica"
        if let config {
            let configuration = try loadConfigurationFile(config)
            guard let chosen = source.flatMap({ name in configuration.sources.first { $0.name == name } }) ?? configuration.sources.first else {
                throw ValidationError("\(config) defines no source\(source.map { " named '\($0)'" } ?? "")")
            }
            sourceName = chosen.name
            authentication = chosen.authentication
            let scheme = configuration.server.tlsCertificate == nil ? "http" : "https"
            target = target ?? "\(scheme)://\(configuration.server.host):\(configuration.server.port)/webhooks/\(chosen.name)"
        } else if let secret {
            authentication = .hmacSHA256(header: "X-Acumatica-Signature", secrets: [secret])
        } else if let saved = try? String(contentsOfFile: "\(DefaultSettings.dataDirectory)/secret", encoding: .utf8) {
            authentication = .hmacSHA256(header: "X-Acumatica-Signature", secrets: [saved.trimmingCharacters(in: .whitespacesAndNewlines)])
        } else {
            throw ValidationError("no secret: pass --secret, --config, or run from the folder where 'acuhook serve' keeps acuhook-data/")
        }
        if let secret, config != nil, case .hmacSHA256(let header, _) = authentication {
            authentication = .hmacSHA256(header: header, secrets: [secret])
        }
        let endpoint = target ?? "http://127.0.0.1:8080/webhooks/\(sourceName)"

        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "acuhook-send/0.1")
        let delivery = deliveryId ?? UUID().uuidString.lowercased()
        if !pushNotification, file == nil {
            request.headers.add(name: "X-Acumatica-Event", value: eventType)
            request.headers.add(name: "X-Acumatica-Delivery", value: delivery)
        }
        for (name, value) in try Self.credentials(authentication, body: body, deliveryID: delivery) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))

        var tls = TLSConfiguration.makeClientConfiguration()
        if let cacert { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(cacert)) }
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let answer = try await response.body.collect(upTo: 1 << 20)
            print("POST \(endpoint) → \(response.status.code) \(String(buffer: answer))")
            try await client.shutdown()
            if response.status.code != 200 { throw ExitCode.failure }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            try? await client.shutdown()
            throw ValidationError("POST \(endpoint) failed: \(error)")
        }
    }

    /// The headers that authenticate `body` under `scheme`.
    static func credentials(_ scheme: AuthenticationSettings, body: [UInt8], deliveryID: String) throws -> [(String, String)] {
        switch scheme {
        case .hmacSHA256(let header, let secrets):
            return [(header, HMACSignatureAuthenticator.sign(body, secret: secrets[0]))]
        case .standardWebhooks(let secrets, _):
            let timestamp = Int64(Date().timeIntervalSince1970)
            guard let signature = StandardWebhooksAuthenticator.sign(body, id: deliveryID, timestamp: timestamp, secret: secrets[0]) else {
                throw ValidationError("the source's first secret is not whsec_<base64>")
            }
            return [("webhook-id", deliveryID), ("webhook-timestamp", "\(timestamp)"), ("webhook-signature", signature)]
        case .headerSecret(let header, let values):
            return [(header, values[0])]
        case .bearer(let tokens):
            return [("Authorization", "Bearer \(tokens[0])")]
        case .basic(let credentials):
            return [("Authorization", "Basic \(Data(credentials[0].utf8).base64EncodedString())")]
        case .none:
            return []
        }
    }
}
