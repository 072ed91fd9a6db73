import AcuhookAdmin
import AcuhookCore
import AcuhookServer
import AcuhookStore
import Hummingbird

/// The dead-letter queue: filters, replay (one, selected, every match) with progress, purge
/// after confirmation.
extension Console {
    /// Most dead letters listed on one page.
    static let deadLetterPageSize = 200

    func addDeadLetterRoutes(to console: RouterGroup<AcuhookRequestContext>) {
        console.get("dlq") { request, _ in
            try await signedIn(request) { session in
                let query = Self.deadLetterQuery(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
                let filter = try deadLetterFilter(query)
                let letters = try await dependencies.store.deadLetters(filter, limit: Self.deadLetterPageSize)
                let total = letters.count < Self.deadLetterPageSize ? letters.count : try await dependencies.store.deadLetterCount(filter)
                return page(
                    "dlq",
                    [
                        "title": "Dead letters", "count": letters.count, "total": total, "filtered": !query.namesNothing,
                        "filter": ["plugin": query.plugin ?? "", "event_type": query.eventType ?? "", "since": query.since ?? ""],
                        "reasons": [("", "any"), ("rejected", "rejected"), ("exhausted", "exhausted")].map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (query.reason ?? "")] },
                        "filter_fields": Self.fields(query), "query": Self.queryString(query),
                        "letters": letters.map { letter -> [String: Any] in
                            [
                                "job": letter.jobID, "plugin": letter.plugin, "reason": letter.reason.rawValue, "event_type": letter.event.event.eventType,
                                "entity": letter.event.event.entityId, "dead_at": Self.time(letter.deadAtUnixMilliseconds), "delivery": letter.event.deliveryID,
                                "last": letter.attempts.last.map { "\($0.outcome.rawValue)\($0.message.map { ": " + $0 } ?? "")" } ?? "",
                            ]
                        },
                    ],
                    session: session,
                    flash: Self.flash(request)
                )
            }
        }
        console.post("dlq/replay") { request, _ in
            try await action(request) { form, _ in
                let query: DeadLetterQuery
                if let only = request.uri.queryParameters["only"] {
                    guard let id = Int64(only) else { return error(.badRequest, "Not a job", "A job is named by its number.", back: "/console/dlq") }
                    query = DeadLetterQuery(ids: [id])
                } else if form["scope"] == "filter" {
                    var matching = Self.deadLetterQuery(form.fields)
                    if matching.namesNothing { matching.all = true }
                    query = matching
                } else {
                    let ids = form.all("ids").compactMap { Int64($0) }
                    guard !ids.isEmpty else {
                        return error(.badRequest, "Nothing selected", "Tick the dead letters to replay, or replay all that match the filter.", back: "/console/dlq")
                    }
                    query = DeadLetterQuery(ids: ids)
                }
                let filter = try deadLetterFilter(query)
                let (store, clock, logger) = (dependencies.store, dependencies.wallClock, dependencies.logger)
                let back = "/console/dlq?" + Self.queryString(Self.deadLetterQuery(form.fields))
                let id = tasks.start(verb: "Replaying dead letters", back: back) { progress in
                    let count = try await store.replay(filter, nowUnixMilliseconds: clock.nowUnixMilliseconds, batchSize: 200) { progress($0, $1) }
                    logger.notice("console: dead letters replayed", metadata: ["acuhook.count": "\(count)"])
                    return "\(count) dead letter(s) put back in the queue."
                }
                return Self.redirect("/console/tasks/\(id)")
            }
        }
        console.get("dlq/purge") { request, _ in
            try await signedIn(request) { session in
                let query = Self.deadLetterQuery(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
                let filter = try deadLetterFilter(query)
                let count = try await dependencies.store.deadLetterCount(filter)
                return page(
                    "purge",
                    ["title": "Purge", "count": count, "description": Self.describe(query), "filter_fields": Self.fields(query), "query": Self.queryString(query), "nav_dlq": true],
                    session: session
                )
            }
        }
        console.post("dlq/purge") { request, _ in
            try await action(request) { form, _ in
                guard form["confirm"] == "purge" else {
                    return error(.badRequest, "Not confirmed", "Purging needs the confirmation page's button.", back: "/console/dlq")
                }
                var query = Self.deadLetterQuery(form.fields)
                if query.namesNothing { query.all = true }
                let filter = try deadLetterFilter(query)
                let count = try await dependencies.store.purge(filter)
                dependencies.logger.notice("console: dead letters purged", metadata: ["acuhook.count": "\(count)", "acuhook.query": "\(query)"])
                return Self.redirect("/console/dlq?done=purged&n=\(count)")
            }
        }
        console.get("tasks/{id}") { request, context in
            try await signedIn(request) { session in
                guard let id = context.parameters.get("id"), let state = tasks.state(id) else {
                    return error(.notFound, "No such task", "That bulk action is unknown (the last 100 are kept).", back: "/console/dlq")
                }
                return page(
                    "task",
                    [
                        "title": state.verb, "verb": state.verb, "id": id, "done": state.done, "total": max(state.total, state.done),
                        "finished": state.result != nil, "result": state.result ?? "", "back": state.back, "nav_dlq": true,
                    ],
                    session: session
                )
            }
        }
    }

    /// A page refusing input, thrown: Hummingbird answers with it.
    struct Refusal: HTTPResponseError {
        let response: Response
        var status: HTTPResponse.Status { response.status }
        func response(from request: Request, context: some RequestContext) throws -> Response { response }
    }

    /// The store's filter for `query`, or the page saying which field does not parse.
    func deadLetterFilter(_ query: DeadLetterQuery) throws(Refusal) -> DeadLetterFilter {
        do throws(DeadLetterQueryError) {
            return try query.filter(nowUnixMilliseconds: dependencies.wallClock.nowUnixMilliseconds)
        } catch {
            throw Refusal(response: self.error(.badRequest, "Filter not understood", "\(error.field) \(error.message)", back: "/console/dlq"))
        }
    }

    /// The dead-letter filter fields of a query string or form (empty values ignored).
    static func deadLetterQuery(_ fields: some Sequence<(String, String)>) -> DeadLetterQuery {
        var query = DeadLetterQuery()
        for (name, value) in fields where !value.isEmpty {
            switch name {
            case "plugin": query.plugin = value
            case "event_type": query.eventType = value
            case "since": query.since = value
            case "reason": query.reason = value
            default: break
            }
        }
        return query
    }

    static func fields(_ query: DeadLetterQuery) -> [[String: String]] {
        [("plugin", query.plugin), ("event_type", query.eventType), ("since", query.since), ("reason", query.reason)]
            .compactMap { name, value in value.map { ["name": name, "value": $0] } }
    }

    static func queryString(_ query: DeadLetterQuery) -> String {
        fields(query).map { "\($0["name"]!)=\($0["value"]!.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    static func describe(_ query: DeadLetterQuery) -> String {
        fields(query).map { "\($0["name"]!) \($0["value"]!)" }.joined(separator: ", ")
    }
}
