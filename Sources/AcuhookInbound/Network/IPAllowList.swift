/// Addresses allowed to deliver to a source. An empty list allows everyone.
public struct IPAllowList: Sendable {
    /// The allowed ranges.
    public let ranges: [CIDRRange]

    /// Creates a list.
    public init(_ ranges: [CIDRRange]) {
        self.ranges = ranges
    }

    /// Whether `address` may deliver. An unknown address is refused unless the list is empty.
    public func allows(_ address: IPAddress?) -> Bool {
        if ranges.isEmpty { return true }
        guard let address else { return false }
        return ranges.contains { $0.contains(address) }
    }
}
