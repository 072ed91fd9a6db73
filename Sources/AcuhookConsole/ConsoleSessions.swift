import AcuhookInbound
import Synchronization

/// Signed-in browsers: a random session id in an HttpOnly, SameSite=Strict cookie, each with
/// its own random CSRF token that every state-changing form carries. Kept in memory (a restart
/// signs everyone out), at most ``capacity``, each for ``lifetime``.
///
/// - Important: Thread-safe.
final class ConsoleSessions: Sendable {
    /// One session.
    struct Session: Sendable {
        let csrf: String
        let expiresAt: ContinuousClock.Instant
    }

    /// The cookie's name.
    static let cookie = "acuhook_console"
    /// How long a session lasts.
    let lifetime: Duration
    /// Most sessions kept; the oldest is dropped beyond it.
    let capacity: Int
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetime: Duration = .seconds(12 * 3600), capacity: Int = 1000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new session: its id (the cookie's value) and CSRF token.
    func create() -> (id: String, csrf: String) {
        let id = Self.randomToken()
        let session = Session(csrf: Self.randomToken(), expiresAt: .now + lifetime)
        sessions.withLock { sessions in
            let now = ContinuousClock.now
            sessions = sessions.filter { $0.value.expiresAt > now }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt })?.key {
                sessions[oldest] = nil
            }
            sessions[id] = session
        }
        return (id, session.csrf)
    }

    /// The live session of a `Cookie` header, if any.
    func session(cookieHeader: String?) -> Session? {
        guard let id = Self.cookieValue(cookieHeader) else { return nil }
        let now = ContinuousClock.now
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expiresAt > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    /// Whether `presented` is the session's CSRF token (compared in constant time).
    static func csrfMatches(_ presented: String?, _ session: Session) -> Bool {
        guard let presented else { return false }
        return ConstantTime.equals(Array(presented.utf8), Array(session.csrf.utf8))
    }

    /// The `Set-Cookie` value for session `id`.
    func setCookie(_ id: String) -> String {
        "\(Self.cookie)=\(id); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(lifetime.components.seconds)"
    }

    /// This cookie's value in a `Cookie` header.
    static func cookieValue(_ header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            if trimmed.hasPrefix(cookie + "=") { return String(trimmed.dropFirst(cookie.count + 1)) }
        }
        return nil
    }

    /// 32 random bytes as hex, from the system's secure generator.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded() }.joined()
    }
}

extension String {
    /// Two hex digits.
    fileprivate func leftPadded() -> String { count == 1 ? "0" + self : self }
}
