/// The request headers, looked up case-insensitively; independent of any HTTP library.
public struct DeliveryHeaders: Sendable {
    private var fields: [(name: String, value: String)]

    /// Headers from `(name, value)` pairs in arrival order.
    public init(_ fields: [(name: String, value: String)]) {
        self.fields = fields.map { ($0.name.lowercased(), $0.value) }
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name == wanted }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name == wanted }.map(\.value)
    }
}
