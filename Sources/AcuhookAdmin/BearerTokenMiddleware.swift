import AcuhookInbound
import AcuhookServer
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every admin request when a token is configured
/// (compared in constant time); answers 401 with a JSON body otherwise.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = AcuhookRequestContext

    /// The token, or nil when the API is open (loopback only, enforced at start-up).
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { return try await next(request, context) }
        let presented = request.headers[.authorization].flatMap { value -> Substring? in
            value.lowercased().hasPrefix("bearer ") ? value.dropFirst(7) : nil
        }
        guard let presented, ConstantTime.equals(Array(presented.utf8), Array(token.utf8)) else {
            return AdminResponse.error(401, code: "unauthorized", "the admin API needs 'Authorization: Bearer <token>'", headers: ["WWW-Authenticate": "Bearer"])
        }
        return try await next(request, context)
    }
}
