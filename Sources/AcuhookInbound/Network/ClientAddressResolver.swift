/// Works out the client's address: the TCP peer, unless the peer is a trusted proxy, in which
/// case `Forwarded: for=` or `X-Forwarded-For` is read from the right, skipping trusted proxies.
/// Headers from untrusted peers are ignored (anyone can send them).
public struct ClientAddressResolver: Sendable {
    /// Proxies whose forwarding headers are believed.
    public let trustedProxies: [CIDRRange]

    /// Creates a resolver.
    public init(trustedProxies: [CIDRRange]) {
        self.trustedProxies = trustedProxies
    }

    private func trusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }

    /// The client's address, or nil when the peer address is unknown or unparseable.
    public func resolve(peer: String?, headers: DeliveryHeaders) -> IPAddress? {
        guard let peer, let peerAddress = IPAddress(peer) else { return nil }
        guard trusted(peerAddress) else { return peerAddress }
        var chain: [String] = []
        let forwarded = headers.values("Forwarded")
        if !forwarded.isEmpty {
            for value in forwarded {
                for element in value.split(separator: ",") {
                    for pair in element.split(separator: ";") {
                        let parts = pair.split(separator: "=", maxSplits: 1)
                        guard parts.count == 2, parts[0].trimming(" ").lowercased() == "for" else { continue }
                        var node = parts[1].trimming(" ")
                        node = node.trimming("\"")
                        // `for="[2001:db8::1]:4711"` or `for=192.0.2.1:4711`
                        if node.hasPrefix("["), let close = node.firstIndex(of: "]") {
                            node = String(node[node.index(after: node.startIndex)..<close])
                        } else if node.filter({ $0 == ":" }).count == 1, let colon = node.firstIndex(of: ":") {
                            node = String(node[..<colon])
                        }
                        chain.append(node)
                    }
                }
            }
        } else {
            for value in headers.values("X-Forwarded-For") {
                chain += value.split(separator: ",").map { $0.trimming(" ") }
            }
        }
        // The right-most address that is not a trusted proxy is the client.
        for hop in chain.reversed() {
            guard let address = IPAddress(hop) else { return peerAddress }
            if !trusted(address) { return address }
        }
        return chain.first.flatMap { IPAddress($0) } ?? peerAddress
    }
}

extension StringProtocol {
    /// Without leading and trailing `characters`.
    func trimming(_ characters: String) -> String {
        var text = self[...]
        while let first = text.first, characters.contains(first) { text = text.dropFirst() }
        while let last = text.last, characters.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
