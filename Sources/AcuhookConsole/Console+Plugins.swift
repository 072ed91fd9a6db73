import AcuhookAdmin
import AcuhookCore
import AcuhookPluginHost
import AcuhookServer
import Hummingbird

/// Plugins (breakers, reload) and routes (runtime overrides).
extension Console {
    func addPluginRoutes(to console: RouterGroup<AcuhookRequestContext>) {
        console.get("plugins") { request, _ in
            try await signedIn(request) { session in await plugins(session, flash: Self.flash(request)) }
        }
        console.post("plugins/{name}/breaker") { request, context in
            try await action(request) { form, _ in
                let name = context.parameters.get("name") ?? ""
                guard let action = form["action"].flatMap(BreakerAction.init(rawValue:)) else {
                    return error(.badRequest, "Not an action", "A breaker can be opened, reset or disabled.", back: "/console/plugins")
                }
                guard try await dependencies.operations.controlBreaker(plugin: name, action: action) else {
                    return error(.notFound, "No such plugin", "No plugin named '\(name)' is loaded.", back: "/console/plugins")
                }
                dependencies.logger.notice("console: breaker changed", metadata: ["acuhook.plugin": "\(name)", "acuhook.breaker.action": "\(action.rawValue)"])
                return Self.redirect("/console/plugins?done=breaker")
            }
        }
        console.post("reload") { request, _ in
            try await action(request) { _, session in
                let result = await dependencies.operations.reload()
                dependencies.logger.notice("console: reload", metadata: ["acuhook.reload.applied": "\(result.applied)"])
                let flash = result.applied
                    ? "Reloaded: \(Self.list("added", result.added))\(Self.list("replaced", result.replaced))\(Self.list("removed", result.removed))\(Self.list("kept", result.kept))"
                    : "Reload failed; the previous plugins keep running: \(result.errors.joined(separator: "; "))"
                return await plugins(session, flash: flash, status: result.applied ? .ok : .unprocessableContent)
            }
        }
        console.get("routes") { request, _ in
            try await signedIn(request) { session in await routes(session, flash: Self.flash(request)) }
        }
        console.post("plugins/{name}/routes") { request, context in
            try await action(request) { form, _ in
                let name = context.parameters.get("name") ?? ""
                guard let pattern = form["event"], (try? EventPattern(parsing: pattern)) != nil, let enabled = form["enabled"].flatMap(Bool.init) else {
                    return error(.badRequest, "Not a route", "Give an event type or pattern (Customer.Updated, SalesOrder.*, *.Deleted, *) and enable or disable it.", back: "/console/routes")
                }
                guard try await dependencies.operations.setRoute(plugin: name, pattern: pattern, enabled: enabled) else {
                    return error(.notFound, "No such plugin", "No plugin named '\(name)' is loaded.", back: "/console/routes")
                }
                dependencies.logger.notice("console: route changed", metadata: ["acuhook.plugin": "\(name)", "acuhook.route.event": "\(pattern)", "acuhook.route.enabled": "\(enabled)"])
                return Self.redirect("/console/routes?done=route")
            }
        }
        console.post("plugins/{name}/routes/clear") { request, context in
            try await action(request) { _, _ in
                let name = context.parameters.get("name") ?? ""
                guard try await dependencies.operations.clearRoutes(plugin: name) else {
                    return error(.notFound, "No such plugin", "No plugin named '\(name)' is loaded.", back: "/console/routes")
                }
                return Self.redirect("/console/routes?done=route")
            }
        }
    }

    private static func list(_ label: String, _ names: [String]) -> String {
        names.isEmpty ? "" : "\(label) \(names.joined(separator: ", ")). "
    }

    private func plugins(_ session: ConsoleSessions.Session, flash: String?, status: HTTPResponse.Status = .ok) async -> Response {
        let all = await dependencies.operations.plugins()
        func milliseconds(_ value: Double?) -> String { value.map { $0 < 10 ? String(format: "%.2f ms", $0) : String(format: "%.0f ms", $0) } ?? "—" }
        let loaded = all.filter { !$0.name.isEmpty }.map { plugin -> [String: Any] in
            [
                "name": plugin.name, "version": plugin.version, "abi": plugin.abi, "isolation": plugin.isolation, "path": plugin.path,
                "breaker": plugin.breaker, "calls": plugin.counters.calls, "failures": plugin.counters.failures, "timeouts": plugin.counters.timeouts,
                "not_attempted": plugin.counters.notAttempted, "in_flight": plugin.counters.inFlight,
                "p50": milliseconds(plugin.latencyP50Milliseconds), "p99": milliseconds(plugin.latencyP99Milliseconds),
                "transitions": plugin.transitions.reversed().map { ["at": Self.time($0.at), "from": $0.from, "to": $0.to, "reason": $0.reason] },
                "batch": plugin.batch ?? (plugin.handlesBatches ? "off (has the batch entry)" : "off"), "rate": plugin.rate ?? "none",
                "waiting_for_rate": plugin.waitingForRate,
            ]
        }
        let failed = all.filter { $0.name.isEmpty }.map { ["path": $0.path, "status": $0.status] }
        return page("plugins", status: status, ["title": "Plugins", "plugins": loaded, "failed": failed], session: session, flash: flash)
    }

    private func routes(_ session: ConsoleSessions.Session, flash: String?) async -> Response {
        let routes = await dependencies.operations.routes().map { route -> [String: Any] in
            [
                "plugin": route.plugin, "origin": route.origin,
                "events": route.events.map { ["pattern": $0] }, "disabled": route.disabledEvents.map { ["pattern": $0] },
            ]
        }
        return page("routes", ["title": "Routes", "routes": routes], session: session, flash: flash)
    }
}
