import AcuhookAdmin
import AcuhookCore
import AcuhookServer
import AcuhookStore
import Hummingbird

/// Backfills: stored events sent to a plugin again. The form, then a confirmation that shows how
/// many events and which before anything is created, then the jobs made with progress.
extension Console {
    func addReplayRoutes(to console: RouterGroup<AcuhookRequestContext>) {
        console.get("replay") { request, _ in
            try await signedIn(request) { session in
                let plugins = await dependencies.operations.plugins().filter { !$0.name.isEmpty }.map { ["name": $0.name] }
                return page("replay", ["title": "Replay", "plugins": plugins, "since": "24h"], session: session, flash: Self.flash(request))
            }
        }
        console.post("replay/preview") { request, _ in
            try await action(request) { form, session in
                let (replay, selection) = try await replaySelection(form)
                let preview = try await dependencies.store.previewReplay(selection, limit: 10)
                return page(
                    "replayConfirm",
                    [
                        "title": "Replay", "nav_replay": true, "plugin": replay.plugin, "count": preview.count, "types": selection.eventTypes.joined(separator: ", "),
                        "none": preview.count == 0,
                        "first": preview.first.map { ["id": $0.id, "delivery": $0.deliveryID, "type": $0.eventType, "entity": $0.entityId, "received": Self.time($0.receivedAtUnixMilliseconds)] },
                        "fields": Self.replayFields(replay),
                    ],
                    session: session
                )
            }
        }
        console.post("replay") { request, _ in
            try await action(request) { form, _ in
                guard form["confirm"] == "replay" else {
                    return error(.badRequest, "Not confirmed", "A replay is created from its confirmation page, which shows how many events it covers.", back: "/console/replay")
                }
                let (replay, selection) = try await replaySelection(form)
                let (store, clock, logger) = (dependencies.store, dependencies.wallClock, dependencies.logger)
                let id = tasks.start(verb: "Replaying events to \(replay.plugin)", back: "/console/replay") { progress in
                    let result = try await store.replay(selection, nowUnixMilliseconds: clock.nowUnixMilliseconds, batchSize: 200) { done, total in
                        progress(done, total)
                        return true
                    }
                    logger.notice("console: replay created jobs", metadata: ["acuhook.plugin": "\(replay.plugin)", "acuhook.replay": "\(result.id)", "acuhook.count": "\(result.created)"])
                    return "Replay #\(result.id): \(result.created) job(s) created for \(replay.plugin)\(result.resumedAfter > 0 ? " (resumed after \(result.resumedAfter))" : "")."
                }
                return Self.redirect("/console/tasks/\(id)")
            }
        }
    }

    /// The form's request and its selection, or a refusal page naming what is wrong.
    private func replaySelection(_ form: ConsoleForm) async throws -> (ReplayRequest, ReplaySelection) {
        func text(_ name: String) -> String? { form[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let plugin = text("plugin"), let since = text("since") else {
            throw Refusal(response: error(.badRequest, "Incomplete", "Choose a plugin and a start (since).", back: "/console/replay"))
        }
        let replay = ReplayRequest(plugin: plugin, event: text("event"), source: text("source"), since: since, until: text("until"))
        do {
            guard let selection = try await dependencies.operations.replaySelection(replay) else {
                throw Refusal(response: error(.notFound, "No such plugin", "No plugin named '\(plugin)' is loaded.", back: "/console/replay"))
            }
            return (replay, selection)
        } catch let problem as DeadLetterQueryError {
            throw Refusal(response: error(.badRequest, "Not understood", problem.description, back: "/console/replay"))
        }
    }

    static func replayFields(_ replay: ReplayRequest) -> [[String: String]] {
        [("plugin", replay.plugin), ("event", replay.event), ("source", replay.source), ("since", replay.since), ("until", replay.until)]
            .compactMap { name, value in value.map { ["name": name, "value": $0] } }
    }
}
