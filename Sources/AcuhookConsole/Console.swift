import AcuhookAdmin
import AcuhookCore
import AcuhookInbound
import AcuhookServer
import AcuhookStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache

/// The browser console at `/console` on the admin listener: deliveries (live), one delivery
/// with its jobs and attempts, plugins, routes and the dead-letter queue, with the operator's
/// actions. Server-rendered Mustache; a little plain JavaScript; nothing from a CDN.
///
/// Security: with an admin token, a browser signs in once with it and gets a session cookie
/// (HttpOnly, SameSite=Strict); every state-changing form carries the session's CSRF token;
/// every value is HTML-escaped; pages allow no inline script (Content-Security-Policy).
public struct Console: Sendable {
    /// What the console reads and acts on.
    public struct Dependencies: Sendable {
        /// The store.
        public var store: any EventStore
        /// Plugins, routes, breakers and reloads.
        public var operations: any AdminOperations
        /// The receiver (source names, refusals and duplicates kept in memory).
        public var pipeline: DeliveryPipeline
        /// Live activity.
        public var feed: ActivityFeed
        /// The admin token; nil: the console is open (loopback only, as the admin API).
        public var token: String?
        /// Wall-clock time.
        public var wallClock: any WallClock
        /// Where actions are logged.
        public var logger: Logger

        /// The dependencies.
        public init(
            store: any EventStore, operations: any AdminOperations, pipeline: DeliveryPipeline, feed: ActivityFeed, token: String?,
            wallClock: any WallClock = SystemWallClock(), logger: Logger
        ) {
            self.store = store
            self.operations = operations
            self.pipeline = pipeline
            self.feed = feed
            self.token = token
            self.wallClock = wallClock
            self.logger = logger
        }
    }

    let dependencies: Dependencies
    let library: MustacheLibrary
    let sessions = ConsoleSessions()
    let tasks = BulkTasks()

    /// A console over `dependencies`.
    /// - Throws: When a template does not parse (a programming error, found by the tests).
    public init(_ dependencies: Dependencies) throws {
        self.dependencies = dependencies
        self.library = try ConsoleTemplates.library()
    }

    /// Adds the console's routes to `router`.
    public func addRoutes(to router: Hummingbird.Router<AcuhookRequestContext>) {
        let console = router.group("console")
        console.get { _, _ in Self.redirect("/console/deliveries") }
        console.get("assets/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        console.get("assets/console.js") { _, _ in Self.asset(ConsoleAssets.javaScript, type: "text/javascript; charset=utf-8") }
        console.get("login") { request, _ in await login(request) }
        console.post("login") { request, _ in try await signIn(request) }
        console.get("events") { request, _ in
            guard sessions.session(cookieHeader: request.headers[.cookie]) != nil else {
                return AdminResponse.error(401, code: "unauthorized", "sign in to the console first")
            }
            return ActivityStream.response(dependencies.feed)
        }
        addDeliveryRoutes(to: console)
        addPluginRoutes(to: console)
        addDeadLetterRoutes(to: console)
        addReplayRoutes(to: console)
    }

    // MARK: - Signing in

    private func login(_ request: Request) async -> Response {
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
        if dependencies.token == nil || sessions.session(cookieHeader: request.headers[.cookie]) != nil {
            // No token to ask for (a loopback-only admin listener), or signed in already.
            return startSession(redirectingTo: next, request: request)
        }
        return page("login", status: .ok, ["title": "Sign in", "next": next], session: nil)
    }

    private func signIn(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let next = Self.safeNext(form["next"])
        guard let token = dependencies.token else { return startSession(redirectingTo: next, request: request) }
        guard let presented = form["token"], ConstantTime.equals(Array(presented.utf8), Array(token.utf8)) else {
            dependencies.logger.warning("console: sign-in refused (wrong token)")
            return page("login", status: .unauthorized, ["title": "Sign in", "next": next, "failed": true], session: nil)
        }
        dependencies.logger.notice("console: signed in")
        return startSession(redirectingTo: next, request: request)
    }

    private func startSession(redirectingTo next: String, request: Request) -> Response {
        if sessions.session(cookieHeader: request.headers[.cookie]) != nil { return Self.redirect(next) }
        let (id, _) = sessions.create()
        var response = Self.redirect(next)
        response.headers[.setCookie] = sessions.setCookie(id)
        return response
    }

    /// A redirect target inside the console only (no open redirects).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console"), !next.hasPrefix("//"), !next.contains("\\") else { return "/console/deliveries" }
        return next
    }

    // MARK: - Guards

    /// Runs `body` for a signed-in browser; otherwise sends it to sign in (GET) or refuses (401).
    func signedIn(_ request: Request, _ body: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        guard let session = sessions.session(cookieHeader: request.headers[.cookie]) else {
            guard request.method == .get else {
                return error(.unauthorized, "Not signed in", "Sign in to the console first.", back: "/console/login")
            }
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return Self.redirect("/console/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return try await body(session)
    }

    /// Runs `body` with the form of a signed-in browser's POST that carries its CSRF token;
    /// otherwise refuses it (401, or 403 naming the missing token) and changes nothing.
    func action(_ request: Request, _ body: (ConsoleForm, ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        try await signedIn(request) { session in
            let form = try await Self.form(request)
            guard ConsoleSessions.csrfMatches(form["csrf"], session) else {
                dependencies.logger.warning("console: action refused (missing or wrong CSRF token)", metadata: ["acuhook.console.path": "\(request.uri.path)"])
                return error(.forbidden, "Refused", "This form is missing its CSRF token (or it is stale): reload the page and try again.", back: request.uri.path)
            }
            return try await body(form, session)
        }
    }

    // MARK: - Rendering

    /// Renders `template` with the layout's values added.
    func page(_ template: String, status: HTTPResponse.Status = .ok, _ values: [String: Any], session: ConsoleSessions.Session?, flash: String? = nil) -> Response {
        var values = values
        values["signed_in"] = session != nil
        values["csrf"] = session?.csrf ?? ""
        values["page"] = template
        values["nav_" + template] = true
        if let flash { values["flash"] = flash }
        let html = library.render(values, withTemplate: template) ?? "<!doctype html><p>template \(template) is missing</p>"
        return Self.html(html, status: status)
    }

    /// An error page: a clear message and the way back.
    func error(_ status: HTTPResponse.Status, _ heading: String, _ message: String, back: String) -> Response {
        page("error", status: status, ["title": heading, "heading": heading, "message": message, "back": back], session: nil)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The request's form body.
    static func form(_ request: Request) async throws -> ConsoleForm {
        let body = try await request.body.collect(upTo: 1 << 20)
        return ConsoleForm(String(buffer: body))
    }

    /// A time in ISO 8601 (UTC, milliseconds), as pages show it (the browser shows it local).
    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
