import protocol AcuhookCore.WallClock
import struct AcuhookCore.SystemWallClock
import enum AcuhookCore.EventPattern
import class AcuhookCore.ActivityFeed
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The admin API: JSON over HTTP on its own listener (loopback by default; a bearer token when
/// configured, required when bound elsewhere).
///
/// | Method and path | What it does |
/// |---|---|
/// | `GET /admin/plugins` | loaded plugins: version, ABI, isolation, breaker state, counters |
/// | `GET /admin/routes` | each plugin's routes and where they came from |
/// | `POST /admin/reload` | reads the configuration again and switches to its plugins → what changed (422 if not applied) |
/// | `POST /admin/plugins/{name}/breaker` | `{"action":"open"\|"reset"\|"disable"}` (stored) → the plugin |
/// | `POST /admin/plugins/{name}/routes` | `{"event":"T","enabled":bool}` (stored) → its routes |
/// | `DELETE /admin/plugins/{name}/routes` | removes its route overrides → its routes |
/// | `GET /admin/jobs` | jobs per state |
/// | `GET /admin/dlq?plugin=&event_type=&since=&reason=&limit=` | dead letters, oldest first |
/// | `GET /admin/dlq/{job}` | one dead letter: event and every attempt |
/// | `POST /admin/replays` | body ``ReplayRequest`` (+ `"dry_run": true`) → `{"count", "first"}`, or creates the jobs → `{"id", "total", "created", "resumed_after"}` |
/// | `POST /admin/dlq/replay` | body `{"ids":[…]}` or filters or `{"all":true}` → `{"replayed":N}` |
/// | `POST /admin/dlq/purge` | same body → `{"purged":N}` |
/// | `GET /admin/status` | sources, plugins, jobs, dead letters and the last refusals in one answer (``StatusReport``) |
/// | `GET /admin/events` | server-sent events: deliveries answered and job attempts (see ``ActivityStream``) |
/// | `GET /metrics` | Prometheus text format (when metrics are on; see ``MetricsExporter``) |
///
/// The bearer token guards `/admin` and `/metrics`; other routes added to the router (the
/// console) bring their own protection.
public enum AdminAPI {
    /// Largest request body the admin API reads.
    static let maxBody = 1 << 20

    /// The admin routes over `store` and `operations`; `/metrics` when `metrics` is given;
    /// `/admin/events` when `feed` is.
    public static func makeRouter(
        store: any EventStore,
        operations: any AdminOperations,
        token: String?,
        metrics: MetricsExporter? = nil,
        feed: ActivityFeed? = nil,
        pipeline: DeliveryPipeline? = nil,
        listeners: [ListenerProtection] = [],
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger
    ) -> Router<AcuhookRequestContext> {
        @Sendable func now() -> Int64 { wallClock.nowUnixMilliseconds }
        let router = Router(context: AcuhookRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        if let metrics {
            router.group().add(middleware: BearerTokenMiddleware(token: token)).get("metrics") { _, _ -> Response in
                do {
                    let exposition = try await metrics.scrape()
                    return Response(
                        status: .ok,
                        headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: exposition))
                    )
                } catch {
                    logger.error("metrics scrape failed: the store cannot be read", metadata: ["acuhook.error": "\(error)"])
                    return AdminResponse.error(503, code: "store_unavailable", "the queue figures cannot be read; retry later")
                }
            }
        }
        let admin = router.group("admin").add(middleware: BearerTokenMiddleware(token: token))
        if let feed {
            admin.get("events") { _, _ in ActivityStream.response(feed) }
        }
        if let pipeline {
            admin.get("status") { _, _ in try json(try await StatusReport.make(pipeline: pipeline, store: store, operations: operations, listeners: listeners)) }
        }
        admin.get("plugins") { _, _ in
            try json(["plugins": await operations.plugins()])
        }
        admin.get("routes") { _, _ in
            try json(["routes": await operations.routes()])
        }
        admin.post("reload") { _, _ in
            let result = await operations.reload()
            logger.notice("admin: reload", metadata: ["acuhook.reload.applied": "\(result.applied)"])
            var response = try json(result)
            if !result.applied { response.status = .unprocessableContent }
            return response
        }
        admin.post("plugins/{name}/breaker") { request, context in
            let name = try context.parameters.require("name")
            guard let body = try await decode(BreakerRequest.self, request), let action = BreakerAction(rawValue: body.action) else {
                return AdminResponse.error(400, code: "invalid_body", #"expected {"action": "open" | "reset" | "disable"}"#)
            }
            guard try await operations.controlBreaker(plugin: name, action: action) else { return unknownPlugin(name) }
            logger.notice("admin: breaker changed", metadata: ["acuhook.plugin": "\(name)", "acuhook.breaker.action": "\(action.rawValue)"])
            return try json(await operations.plugins().first { $0.name == name })
        }
        admin.post("plugins/{name}/routes") { request, context in
            let name = try context.parameters.require("name")
            guard let body = try await decode(RouteRequest.self, request), (try? EventPattern(parsing: body.event)) != nil else {
                return AdminResponse.error(400, code: "invalid_body", #"expected {"event": "<type or pattern>", "enabled": true | false}"#)
            }
            guard try await operations.setRoute(plugin: name, pattern: body.event, enabled: body.enabled) else { return unknownPlugin(name) }
            logger.notice("admin: route changed", metadata: ["acuhook.plugin": "\(name)", "acuhook.route.event": "\(body.event)", "acuhook.route.enabled": "\(body.enabled)"])
            return try json(await operations.routes().first { $0.plugin == name })
        }
        admin.delete("plugins/{name}/routes") { _, context in
            let name = try context.parameters.require("name")
            guard try await operations.clearRoutes(plugin: name) else { return unknownPlugin(name) }
            logger.notice("admin: route overrides cleared", metadata: ["acuhook.plugin": "\(name)"])
            return try json(await operations.routes().first { $0.plugin == name })
        }
        admin.get("jobs") { _, _ in
            try json(["jobs": Dictionary(uniqueKeysWithValues: try await store.jobCounts().map { ($0.key.rawValue, $0.value) })])
        }
        admin.get("dlq") { request, _ in
            let query = request.uri.queryParameters
            let dlq = DeadLetterQuery(
                plugin: query["plugin"].map(String.init),
                eventType: query["event_type"].map(String.init),
                since: query["since"].map(String.init),
                reason: query["reason"].map(String.init)
            )
            // Absent: 1000. Present, it must be a whole number in range (`limit=abc` is an error,
            // not the default).
            let limit = query["limit"].map { Int($0) ?? 0 } ?? 1000
            guard (1...10_000).contains(limit) else { return AdminResponse.error(400, code: "invalid_query", "limit must be a whole number 1…10000") }
            let filter: DeadLetterFilter
            do throws(DeadLetterQueryError) { filter = try dlq.filter(nowUnixMilliseconds: now()) } catch { return invalid(error) }
            let letters = try await store.deadLetters(filter, limit: limit)
            return try json(DeadLetterList(count: letters.count, deadLetters: letters.map(DeadLetterDocument.init)))
        }
        admin.get("dlq/{job}") { _, context in
            guard let id = context.parameters.get("job").flatMap({ Int64($0) }) else {
                return AdminResponse.error(400, code: "invalid_job", "the job id must be an integer")
            }
            guard let letter = try await store.deadLetters(DeadLetterFilter(jobIDs: [id])).first else {
                return AdminResponse.error(404, code: "not_found", "no dead-lettered job \(id)")
            }
            return try json(DeadLetterDocument(letter))
        }
        admin.post("dlq/replay") { request, _ in
            try await change(request, logger: logger, verb: "replayed", nowUnixMilliseconds: now()) { filter in
                try await store.replay(filter, nowUnixMilliseconds: now())
            }
        }
        admin.post("dlq/purge") { request, _ in
            try await change(request, logger: logger, verb: "purged", nowUnixMilliseconds: now()) { filter in
                try await store.purge(filter)
            }
        }
        admin.post("replays") { request, _ in
            try await replay(request, store: store, operations: operations, logger: logger, nowUnixMilliseconds: now())
        }
        return router
    }

    /// The admin application on its own listener.
    public static func makeApplication(
        settings: AdminSettings,
        serverPort: Int,
        store: any EventStore,
        operations: any AdminOperations,
        metrics: MetricsExporter? = nil,
        feed: ActivityFeed? = nil,
        pipeline: DeliveryPipeline? = nil,
        logger: Logger,
        protection: ListenerProtection? = nil,
        listeners: [ListenerProtection] = [],
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
        configure: (Router<AcuhookRequestContext>) -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = makeRouter(
            store: store, operations: operations, token: settings.token, metrics: metrics, feed: feed, pipeline: pipeline, listeners: listeners, logger: logger
        )
        configure(router)
        let protection = try protection ?? ListenerProtection.make(
            listener: "admin", limits: settings.limits, trustedProxies: [], certificate: settings.tlsCertificate, key: settings.tlsKey, logger: logger
        )
        return Application(
            router: router,
            // Hummingbird's own HTTP/1 channel, behind the same protections as the receiver's.
            server: protection.server { responder, http1 in HTTP1Channel(responder: responder, configuration: http1) },
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.resolvedPort(serverPort: serverPort)), serverName: nil, backlog: settings.limits.backlog
            ),
            onServerRunning: protection.onServerRunning(then: onServerRunning),
            logger: logger
        )
    }

    /// A replay or purge: reads the query from the body, refuses one that names nothing.
    private static func change(
        _ request: Request,
        logger: Logger,
        verb: String,
        nowUnixMilliseconds: Int64,
        _ apply: (DeadLetterFilter) async throws -> Int
    ) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBody)
        let query: DeadLetterQuery
        do {
            query = body.readableBytes == 0 ? DeadLetterQuery() : try JSONDecoder().decode(DeadLetterQuery.self, from: Data(body.readableBytesView))
        } catch {
            return AdminResponse.error(400, code: "invalid_body", "expected a JSON object with ids, plugin, event_type, since, reason or all")
        }
        guard !query.namesNothing else {
            return AdminResponse.error(400, code: "invalid_body", "name job ids, give a filter, or send {\"all\":true}")
        }
        let filter: DeadLetterFilter
        do throws(DeadLetterQueryError) { filter = try query.filter(nowUnixMilliseconds: nowUnixMilliseconds) } catch { return invalid(error) }
        let count = try await apply(filter)
        logger.notice("admin: dead letters \(verb)", metadata: ["acuhook.count": "\(count)", "acuhook.query": "\(query)"])
        return try json([verb: count])
    }

    private static func unknownPlugin(_ name: String) -> Response {
        AdminResponse.error(404, code: "unknown_plugin", "no plugin named '\(name)' is loaded")
    }

    /// The body as `T`, or nil when it is not that JSON.
    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        let body = try await request.body.collect(upTo: maxBody)
        return try? JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    private static func invalid(_ error: DeadLetterQueryError) -> Response {
        AdminResponse.error(400, code: "invalid_\(error.field)", error.description)
    }

    private static func json(_ value: some Encodable) throws -> Response {
        try AdminResponse.json(value)
    }

}

/// `POST /admin/plugins/{name}/breaker`'s body.
struct BreakerRequest: Decodable {
    var action: String
}

/// `POST /admin/plugins/{name}/routes`' body.
struct RouteRequest: Decodable {
    var event: String
    var enabled: Bool
}

/// `GET /admin/dlq`'s body.
struct DeadLetterList: Encodable {
    var count: Int
    var deadLetters: [DeadLetterDocument]

    enum CodingKeys: String, CodingKey {
        case count
        case deadLetters = "dead_letters"
    }
}
