import AcuhookCore
import Synchronization

/// A rate: sustained requests per second and the burst allowed above it.
public struct RateLimit: Sendable, Equatable {
    /// Sustained requests per second.
    public var requestsPerSecond: Double
    /// Requests allowed at once after a quiet period.
    public var burst: Int

    /// Creates a rate.
    public init(requestsPerSecond: Double, burst: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
    }
}

/// Token buckets for one source: one for the whole source and one per client address.
/// The per-client map is bounded: idle (full) buckets are forgotten first, then the oldest.
public final class RateLimiter<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    /// What a check decided.
    public enum Decision: Sendable, Equatable {
        /// Go ahead.
        case allowed
        /// Answer 429 with `Retry-After: retryAfterSeconds`; `scope` is `client` or `source`.
        case limited(retryAfterSeconds: Int, scope: String)
    }

    private struct State {
        var source: TokenBucket<C.Instant>?
        var clients: [IPAddressKey: TokenBucket<C.Instant>] = [:]
    }

    private typealias IPAddressKey = String

    private let clock: C
    private let perClient: RateLimit?
    private let maxClients: Int
    private let state: Mutex<State>

    /// - Parameters:
    ///   - perSource: Limit for the whole source, or nil for none.
    ///   - perClient: Limit for each client address, or nil for none.
    ///   - maxClients: Most client buckets remembered. Default 10,000.
    public init(perSource: RateLimit?, perClient: RateLimit?, maxClients: Int = 10_000, clock: C) {
        self.clock = clock
        self.perClient = perClient
        self.maxClients = maxClients
        let now = clock.now
        self.state = Mutex(State(source: perSource.map { TokenBucket(ratePerSecond: $0.requestsPerSecond, burst: $0.burst, now: now) }))
    }

    /// Checks one request from `client` (its resolved address).
    public func check(client: String) -> Decision {
        let now = clock.now
        return state.withLock { state in
            if let perClient {
                var bucket = state.clients[client] ?? TokenBucket(ratePerSecond: perClient.requestsPerSecond, burst: perClient.burst, now: now)
                let wait = bucket.take(now: now)
                if state.clients[client] == nil, state.clients.count >= maxClients { evict(&state, now: now) }
                state.clients[client] = bucket
                if let wait { return .limited(retryAfterSeconds: Self.seconds(wait), scope: "client") }
            }
            if var source = state.source {
                let wait = source.take(now: now)
                state.source = source
                if let wait { return .limited(retryAfterSeconds: Self.seconds(wait), scope: "source") }
            }
            return .allowed
        }
    }

    /// Client buckets remembered now.
    public var trackedClients: Int { state.withLock { $0.clients.count } }

    private func evict(_ state: inout State, now: C.Instant) {
        state.clients = state.clients.filter { !$0.value.isFull(now: now) }
        if state.clients.count >= maxClients {
            // Everyone is active: drop an arbitrary half rather than grow without bound.
            state.clients = Dictionary(uniqueKeysWithValues: state.clients.prefix(maxClients / 2).map { ($0.key, $0.value) })
        }
    }

    private static func seconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
