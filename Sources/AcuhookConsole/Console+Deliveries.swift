import AcuhookAdmin
import AcuhookCore
import AcuhookServer
import AcuhookStore
import Hummingbird

/// Deliveries: the list (live), one delivery, and sending its jobs again.
extension Console {
    /// Rows per page.
    static let pageSize = 50

    func addDeliveryRoutes(to console: RouterGroup<AcuhookRequestContext>) {
        console.get("deliveries") { request, _ in
            try await signedIn(request) { session in try await deliveries(request, session) }
        }
        console.get("deliveries/{id}") { request, context in
            try await signedIn(request) { session in
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
                    return error(.badRequest, "Not a delivery", "A delivery is named by its number.", back: "/console/deliveries")
                }
                return try await delivery(id, session, flash: Self.flash(request))
            }
        }
        console.post("deliveries/{id}/resend") { request, context in
            try await action(request) { _, _ in
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }), try await dependencies.store.delivery(id) != nil else {
                    return error(.notFound, "No such delivery", "There is no stored delivery \(context.parameters.get("id") ?? "").", back: "/console/deliveries")
                }
                let count = try await dependencies.store.requeue(deliveryID: id, nowUnixMilliseconds: dependencies.wallClock.nowUnixMilliseconds)
                dependencies.logger.notice("console: delivery re-sent to its plugins", metadata: ["acuhook.delivery.row": "\(id)", "acuhook.jobs": "\(count)"])
                return Self.redirect("/console/deliveries/\(id)?done=resent&n=\(count)")
            }
        }
        console.post("jobs/{id}/replay") { request, context in
            try await action(request) { form, _ in
                let back = form["delivery"].flatMap { Int64($0) }.map { "/console/deliveries/\($0)" } ?? "/console/dlq"
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
                    return error(.badRequest, "Not a job", "A job is named by its number.", back: back)
                }
                let count = try await dependencies.store.requeue(jobIDs: [id], nowUnixMilliseconds: dependencies.wallClock.nowUnixMilliseconds)
                guard count == 1 else {
                    return error(.notFound, "No such job", "There is no job \(id) that can be replayed (it does not exist, or it is running now).", back: back)
                }
                dependencies.logger.notice("console: job replayed", metadata: ["acuhook.job": "\(id)"])
                return Self.redirect("\(back)?done=replayed&n=1")
            }
        }
    }

    private func deliveries(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let query = request.uri.queryParameters
        func text(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let now = dependencies.wallClock.nowUnixMilliseconds
        var filter = DeliveryFilter(source: text("source"), eventType: text("event_type"))
        do throws(DeadLetterQueryError) {
            if let since = text("since") { filter.sinceUnixMilliseconds = try DeadLetterQuery.time(since, field: "since", nowUnixMilliseconds: now) }
            if let until = text("until") { filter.untilUnixMilliseconds = try DeadLetterQuery.time(until, field: "until", nowUnixMilliseconds: now) }
        } catch {
            return self.error(.badRequest, "Filter not understood", "\(error.field): \(error.message)", back: "/console/deliveries")
        }
        let answer = text("answer") ?? "stored"
        guard ["stored", "refused", "duplicate"].contains(answer) else {
            return error(.badRequest, "Filter not understood", "answer must be stored, refused or duplicate, not '\(answer)'", back: "/console/deliveries")
        }
        let before = text("before").flatMap { Int64($0) }
        if text("before") != nil, before == nil {
            return error(.badRequest, "Filter not understood", "before must be a delivery number", back: "/console/deliveries")
        }
        var values: [String: Any] = [
            "title": "Deliveries",
            "filter": ["source": filter.source ?? "", "event_type": filter.eventType ?? "", "since": text("since") ?? "", "until": text("until") ?? ""],
            "sources": dependencies.pipeline.sourceNames.map { ["name": $0, "selected": $0 == filter.source] },
            "answers": [("stored", "stored (200)"), ("duplicate", "duplicates"), ("refused", "refused (4xx, 5xx)")].map { ["value": $0.0, "label": $0.1, "selected": $0.0 == answer] },
        ]
        if answer == "stored" {
            let rows = try await dependencies.store.deliveries(filter, before: before, limit: Self.pageSize)
            values["rows"] = rows.map { row -> [String: Any] in
                [
                    "row": row.id, "received": Self.time(row.receivedAtUnixMilliseconds), "source": row.source, "answer": "200 stored", "answer_class": "accepted",
                    "key": row.idempotencyKey, "types": row.eventTypes.joined(separator: ", "), "client": row.clientAddress,
                ]
            }
            values["live"] = before == nil && filter.untilUnixMilliseconds == nil
            if rows.count == Self.pageSize, let last = rows.last {
                var older = query.filter { $0.key != "before" }.map { "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                older.append("before=\(last.id)")
                values["older"] = "/console/deliveries?" + older.joined(separator: "&")
            }
        } else {
            let kept = dependencies.pipeline.recentRefusalsAndDuplicates.filter { answered in
                (answer == "duplicate") == answered.duplicate
                    && (filter.source == nil || answered.source == filter.source)
                    && (filter.sinceUnixMilliseconds.map { answered.atUnixMilliseconds >= $0 } ?? true)
                    && (filter.untilUnixMilliseconds.map { answered.atUnixMilliseconds < $0 } ?? true)
            }
            values["rows"] = kept.map { answered -> [String: Any] in
                var row: [String: Any] = [
                    "received": Self.time(answered.atUnixMilliseconds), "source": answered.source, "key": answered.deliveryID ?? "—", "types": "", "client": "",
                    "answer": answered.duplicate ? "200 duplicate" : "\(answered.status) \(answered.code ?? "")",
                    "answer_class": answered.duplicate ? "duplicate" : "refused",
                ]
                if let stored = answered.deliveryRow { row["row"] = stored }
                return row
            }
            values["memory"] = ["count": kept.count]
        }
        return page("deliveries", values, session: session)
    }

    private func delivery(_ id: Int64, _ session: ConsoleSessions.Session, flash: String?) async throws -> Response {
        guard let record = try await dependencies.store.delivery(id) else {
            return error(.notFound, "No such delivery", "There is no stored delivery \(id).", back: "/console/deliveries")
        }
        let summary = record.summary
        let events = record.events.map { event -> [String: Any] in
            [
                "type": event.stored.event.eventType,
                "entity": "\(event.stored.event.entityType) \(event.stored.event.entityId)",
                "jobs": event.jobs.map { job -> [String: Any] in
                    var history = job.history.map { attempt -> [String: Any] in
                        [
                            "number": attempt.number, "started": Self.time(attempt.startedAtUnixMilliseconds), "outcome": attempt.outcome.rawValue,
                            "duration": "\(attempt.durationMilliseconds) ms", "message": attempt.message ?? "",
                        ]
                    }
                    // A first attempt that succeeded is recorded on the job row alone.
                    if history.isEmpty, job.state == .done || job.state == .skipped {
                        history = [["number": max(1, job.attempts), "started": "", "outcome": job.state == .done ? "ok" : "skipped", "duration": "—", "message": "recorded on the job only"]]
                    }
                    var values: [String: Any] = [
                        "id": job.id, "plugin": job.plugin, "state": job.state.rawValue, "attempts": job.attempts, "history": history,
                        "none": job.state == .pending ? "Not attempted yet (due \(Self.time(job.dueAtUnixMilliseconds)))." : "No attempt recorded.",
                        "replayable": job.state != .running && job.state != .superseded, "delivery": id,
                    ]
                    if let reason = job.deadReason { values["reason"] = "dead-lettered: \(reason.rawValue)" }
                    if let replay = job.replay { values["replay"] = replay }
                    return values
                },
            ]
        }
        return page(
            "delivery",
            [
                "title": "Delivery \(id)", "id": id, "source": summary.source, "received": Self.time(summary.receivedAtUnixMilliseconds),
                "key": summary.idempotencyKey, "format": summary.format, "client": summary.clientAddress,
                "headers": record.headers.map { ["name": $0.name, "value": $0.value] },
                "body": JSONPrettyPrinter.format(record.body), "events": events, "nav_deliveries": true,
            ],
            session: session,
            flash: flash
        )
    }

    /// The message for a `done=` redirect (fixed texts: nothing from the URL is shown).
    static func flash(_ request: Request) -> String? {
        let query = request.uri.queryParameters
        let count = query["n"].flatMap { Int($0) } ?? 0
        switch query["done"].map(String.init) {
        case "resent": return "\(count) job(s) put back in the queue: the delivery goes to its plugins again."
        case "replayed": return "\(count) job(s) put back in the queue."
        case "purged": return "\(count) dead letter(s) purged."
        case "breaker": return "Breaker changed."
        case "route": return "Route override stored and applied."
        default: return nil
        }
    }
}
