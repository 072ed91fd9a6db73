import AcuhookInbound
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The HTTP front: routes, error bodies and (optionally) TLS, on Hummingbird 2.
public enum Receiver {
    /// The routes for everything but deliveries, which ``WebhookChannelHandler`` answers on the
    /// event loop before a request reaches this router:
    /// - other methods on `/webhooks/{source}` — 405 with `Allow: POST`;
    /// - `POST` to a webhook path the handler does not take (a percent-encoded name) — 404;
    /// - `GET /health` — the process is alive, with the receiver's counters unless
    ///   `healthDetails` is off;
    /// - `GET /ready` — the store is writable and plugins are loaded; `details` names a
    ///   certificate that failed to reload.
    public static func makeRouter(
        pipeline: DeliveryPipeline,
        readiness: @escaping @Sendable () async -> Readiness,
        healthDetails: Bool = true
    ) -> Router<AcuhookRequestContext> {
        let router = Router(context: AcuhookRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        for path in ["/webhooks/{source}"] + (pipeline.sourceNames + ["test"]).map({ "/webhooks/\($0)" }) {
            for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    response(.error(405, code: "method_not_allowed", "use POST to deliver a webhook", headers: ["Allow": "POST"]))
                }
            }
        }
        router.post("/webhooks/{source}") { request, context -> Response in
            // Only a name the event-loop handler does not take gets here (percent-encoded).
            let started = ContinuousClock.now
            let headers = DeliveryHeaders(request.headers.map { ($0.name.canonicalName, $0.value) })
            let name = String(request.uri.path.dropFirst("/webhooks/".count))
            let outcome = pipeline.unknownSource(name, headers: headers, peer: context.remoteAddress.flatMap(Receiver.addressText))
            pipeline.record(outcome, source: name, since: started)
            return response(outcome)
        }
        router.get("/health") { _, _ -> Response in
            response(ReceiverOutcome(status: 200, body: pipeline.activity.healthJSON(details: healthDetails)))
        }
        router.get("/ready") { _, _ -> Response in
            let report = await readiness()
            func object(_ value: [String: String]) -> String {
                (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            }
            let details = report.details.isEmpty ? "" : #","details":\#(object(report.details))"#
            return response(ReceiverOutcome(status: report.ready ? 200 : 503, body: #"{"ready":\#(report.ready),"checks":\#(object(report.checks))\#(details)}"#))
        }
        return router
    }

    /// The application: the router on HTTP/1.1 behind the listener's protections (deadlines,
    /// caps, head limits and, when the settings name a certificate, TLS); without
    /// `protection`, one is made from `server` (``ListenerProtection/make(listener:limits:trustedProxies:certificate:key:reservedDescriptors:logger:)``).
    public static func makeApplication(
        pipeline: DeliveryPipeline,
        server: ServerSettings,
        readiness: @escaping @Sendable () async -> Readiness,
        logger: Logger,
        protection: ListenerProtection? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = makeRouter(pipeline: pipeline, readiness: readiness, healthDetails: server.healthDetails)
        let configuration = ApplicationConfiguration(address: .hostname(server.host, port: server.port), serverName: nil, backlog: server.limits.backlog)
        let protection = try protection ?? ListenerProtection.make(
            listener: "receiver", limits: server.limits, trustedProxies: server.trustedProxies,
            certificate: server.tlsCertificate, key: server.tlsKey, logger: logger
        )
        // Deliveries are answered on the event loop (WebhookChannelHandler); the rest by the router.
        let http1 = protection.server { responder, http1 in WebhookHTTP1Channel(responder: responder, configuration: http1, pipeline: pipeline) }
        return Application(
            router: router,
            server: http1,
            configuration: configuration,
            onServerRunning: protection.onServerRunning(then: onServerRunning),
            logger: logger
        )
    }

    /// A peer's address as text: IPv4 formatted from its four bytes (NIO's `ipAddress` goes
    /// through `inet_ntop` and `sprintf` on every request), anything else as NIO writes it.
    public static func addressText(_ address: SocketAddress) -> String? {
        guard case .v4(let v4) = address else { return address.ipAddress }
        // `s_addr` is in network order: its first byte in memory is the first octet.
        return withUnsafeBytes(of: v4.address.sin_addr.s_addr) { bytes in
            "\(bytes[0]).\(bytes[1]).\(bytes[2]).\(bytes[3])"
        }
    }

    /// The answer to an accepted single-event delivery, the common case, built once.
    private static let acceptedOne = (outcome: ReceiverOutcome.accepted(events: 1), body: ByteBuffer(string: ReceiverOutcome.accepted(events: 1).body))

    /// The head and body of the answer for an outcome, for ``WebhookChannelHandler``: JSON
    /// content type, length and date (Hummingbird adds the last two to its own answers), and the
    /// outcome's extra headers.
    static func responseParts(_ outcome: ReceiverOutcome) -> (HTTPResponse, ByteBuffer) {
        let body = self.body(outcome)
        var headers = headerFields(outcome)
        headers[.contentLength] = String(body.readableBytes)
        headers[.date] = HTTPDate.now
        return (HTTPResponse(status: HTTPResponse.Status(code: outcome.status), headerFields: headers), body)
    }

    /// The HTTP response for an outcome (JSON content type, its extra headers).
    public static func response(_ outcome: ReceiverOutcome) -> Response {
        Response(status: HTTPResponse.Status(code: outcome.status), headers: headerFields(outcome), body: ResponseBody(byteBuffer: body(outcome)))
    }

    /// The JSON content type and the outcome's extra headers.
    private static func headerFields(_ outcome: ReceiverOutcome) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        for (name, value) in outcome.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return headers
    }

    /// The outcome's JSON body (the common single-event answer is built once).
    private static func body(_ outcome: ReceiverOutcome) -> ByteBuffer {
        outcome.status == 200 && outcome.body == acceptedOne.outcome.body ? acceptedOne.body : ByteBuffer(string: outcome.body)
    }
}

/// Turns Hummingbird's own errors (unknown path, bad request line…) into the same JSON body as
/// every other error.
public struct JSONErrorMiddleware: RouterMiddleware {
    /// The request context it runs in.
    public typealias Context = AcuhookRequestContext

    /// Creates the middleware.
    public init() {}

    /// Passes the request on; turns a thrown HTTP error into a JSON error response.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = error.status
            let code = status.code == 404 ? "not_found" : "http_\(status.code)"
            return Receiver.response(.error(status.code, code: code, status.reasonPhrase.isEmpty ? "request failed" : status.reasonPhrase))
        }
    }
}
