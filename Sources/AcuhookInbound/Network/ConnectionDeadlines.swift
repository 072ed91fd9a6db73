/// The deadlines of one HTTP/1.1 connection, phase by phase: the TLS handshake, each request
/// head, each body (in all, and against a minimum rate), and idleness between requests. Pure:
/// the caller reports what happened and when, asks for the next ``deadline()``, and closes the
/// connection when ``expired(at:)`` names a phase.
///
/// While an answer is owed for an earlier request, the next request's clock does not run (the
/// server holds its input meanwhile); it starts afresh once the answer is written.
public struct ConnectionDeadlines<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    /// The phase whose deadline passed, named as the metric's `reason`.
    public enum Expiry: String, Sendable, CaseIterable {
        /// The TLS handshake took longer than `tls_handshake_timeout`.
        case handshake = "handshake_timeout"
        /// The request head took longer than `header_timeout`.
        case header = "header_timeout"
        /// The body took longer than `body_timeout`.
        case body = "body_timeout"
        /// The body arrived slower than `min_body_rate` after its grace.
        case bodyRate = "body_too_slow"
        /// The connection sat idle longer than `idle_timeout`.
        case idle = "idle_timeout"
    }

    private enum Reading: Sendable {
        /// Between requests.
        case none
        /// A head is arriving: since when, and its bytes counted so far.
        case head(since: Instant, bytes: Int)
        /// A body is arriving: since when, and its bytes so far.
        case body(since: Instant, bytes: Int)
    }

    private let limits: ConnectionLimits
    private var handshakeSince: Instant?
    private var reading: Reading
    /// Requests whose head was read and whose answer is not written in full yet.
    private var inProgress = 0
    private var idleSince: Instant
    /// Heads read so far; tells a caller whether a head completed during a read.
    public private(set) var headsRead = 0

    /// A connection opened at `now`; with `tls`, the handshake comes first.
    public init(limits: ConnectionLimits, tls: Bool, now: Instant) {
        self.limits = limits
        self.handshakeSince = tls ? now : nil
        self.reading = tls ? .none : .head(since: now, bytes: 0)
        self.idleSince = now
    }

    /// Whether a request head is being read.
    public var isReadingHead: Bool {
        if case .head = reading { return true }
        return false
    }

    /// The TLS handshake completed: the first request head's clock starts.
    public mutating func handshakeCompleted(at now: Instant) {
        handshakeSince = nil
        reading = .head(since: now, bytes: 0)
    }

    /// Bytes arrived; between requests they start the next head.
    public mutating func inputArrived(at now: Instant) {
        if case .none = reading { reading = .head(since: now, bytes: 0) }
    }

    /// Counts `count` bytes of the head being read; returns whether the head is now over
    /// `max_head_size`.
    public mutating func headBytes(_ count: Int) -> Bool {
        guard case .head(let since, let bytes) = reading else { return false }
        reading = .head(since: since, bytes: bytes + count)
        return bytes + count > limits.maxHeadSize
    }

    /// A request head was read in full: its body's clock starts.
    public mutating func headReceived(at now: Instant) {
        reading = .body(since: now, bytes: 0)
        inProgress += 1
        headsRead += 1
    }

    /// `count` bytes of the body arrived.
    public mutating func bodyReceived(_ count: Int) {
        if case .body(let since, let bytes) = reading { reading = .body(since: since, bytes: bytes + count) }
    }

    /// The request was read in full at `now`.
    public mutating func requestEnded(at now: Instant) {
        reading = .none
        // Answered before its end arrived (a refusal): idle from here.
        if inProgress == 0 { idleSince = now }
    }

    /// An answer was written in full.
    public mutating func answerEnded(at now: Instant) {
        guard inProgress > 0 else { return }
        inProgress -= 1
        switch reading {
        case .none where inProgress == 0:
            idleSince = now
        case .head(_, let bytes) where inProgress == 0:
            reading = .head(since: now, bytes: bytes)
        case .body(_, let bytes) where inProgress == 1:
            reading = .body(since: now, bytes: bytes)
        default:
            break
        }
    }

    /// The next deadline and its phase; nil while nothing runs against the client (an answer
    /// is owed).
    public func deadline() -> (at: Instant, expiry: Expiry)? {
        if let handshakeSince { return (handshakeSince.advanced(by: limits.tlsHandshakeTimeout), .handshake) }
        switch reading {
        case .head(let since, _):
            return inProgress == 0 ? (since.advanced(by: limits.headerTimeout), .header) : nil
        case .body(let since, let bytes):
            guard inProgress <= 1 else { return nil }
            let whole = since.advanced(by: limits.bodyTimeout)
            if limits.minBodyRate > 0 {
                let earned = Duration.milliseconds(Int64(bytes) * 1000 / Int64(limits.minBodyRate))
                let rate = since.advanced(by: limits.minBodyRateGrace + earned)
                if rate < whole { return (rate, .bodyRate) }
            }
            return (whole, .body)
        case .none:
            return inProgress == 0 ? (idleSince.advanced(by: limits.idleTimeout), .idle) : nil
        }
    }

    /// The phase whose deadline has passed at `now`, if any.
    public func expired(at now: Instant) -> Expiry? {
        guard let (at, expiry) = deadline(), now >= at else { return nil }
        return expiry
    }
}
