/// Counts a listener's open connections, per client and in all, and decides at accept whether
/// one more may open. Pure: the caller holds it under a lock and reports every close.
///
/// A client is its TCP peer address; an IPv6 client is its /64, since one host commonly holds
/// a whole /64. A configured trusted proxy, which carries many clients' connections, has a cap
/// of its own.
public struct ConnectionCaps: Sendable {
    /// What happens to a connection just accepted.
    public enum Decision: Sendable, Equatable {
        /// It opens, and is counted until ``ConnectionCaps/release(_:)``.
        case admit
        /// Its client has ``ConnectionCaps/perClient`` (or ``ConnectionCaps/perProxy``) open already.
        case overClientCap
        /// The listener has ``ConnectionCaps/total`` open already.
        case overTotalCap
    }

    /// Most connections open at once from one client.
    public let perClient: Int
    /// Most connections open at once from one trusted proxy.
    public let perProxy: Int
    /// Most connections open at once in all.
    public let total: Int
    /// Connections open now, in all.
    public private(set) var openCount = 0
    private var perKey: [IPAddress: Int] = [:]

    /// Caps from a listener's limits, with its total cap already resolved.
    public init(perClient: Int, perProxy: Int?, total: Int) {
        self.perClient = perClient
        self.perProxy = perProxy ?? total
        self.total = total
    }

    /// Decides for a connection from `client` (nil: an address that names no client, such as a
    /// Unix socket, counted in the total only); `isProxy` when it is a configured trusted proxy.
    public mutating func admit(_ client: IPAddress?, isProxy: Bool) -> Decision {
        guard openCount < total else { return .overTotalCap }
        if let client {
            let key = Self.key(client)
            let open = perKey[key, default: 0]
            guard open < (isProxy ? perProxy : perClient) else { return .overClientCap }
            perKey[key] = open + 1
        }
        openCount += 1
        return .admit
    }

    /// Counts the close of a connection that ``admit(_:isProxy:)`` admitted.
    public mutating func release(_ client: IPAddress?) {
        openCount -= 1
        guard let client else { return }
        let key = Self.key(client)
        if let open = perKey[key], open > 1 {
            perKey[key] = open - 1
        } else {
            perKey[key] = nil
        }
    }

    /// Connections open now from `client`.
    public func openCount(from client: IPAddress) -> Int {
        perKey[Self.key(client)] ?? 0
    }

    /// The key a client is counted under: an IPv4 address itself, an IPv6 address its /64.
    static func key(_ address: IPAddress) -> IPAddress {
        address.isIPv4 ? address : IPAddress(bytes: Array(address.bytes[0..<8]) + [UInt8](repeating: 0, count: 8))
    }
}
