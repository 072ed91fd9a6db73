/// The request headers, looked up case-insensitively; independent of any HTTP library.
///
/// HTTP field names are ASCII tokens, so names are compared byte by byte with ASCII case folding,
/// without building lower-cased copies on every lookup (a delivery makes a dozen).
public struct DeliveryHeaders: Sendable {
    private var fields: [(name: String, value: String)]

    /// Headers from `(name, value)` pairs in arrival order.
    public init(_ fields: [(name: String, value: String)]) {
        self.fields = fields.map { (Self.lowercased($0.name), $0.value) }
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        fields.first { Self.matches($0.name, name) }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.matches($0.name, name) }.map(\.value)
    }

    /// `name` in lower case; the same string when it has no upper-case ASCII letter.
    private static func lowercased(_ name: String) -> String {
        name.utf8.contains { (0x41...0x5A).contains($0) || $0 >= 0x80 } ? name.lowercased() : name
    }

    /// Whether a stored (lower-case) name equals `wanted` in any case. Compares the two UTF-8
    /// buffers directly (this runs for every header of every delivery); non-ASCII falls back to
    /// a lower-cased copy.
    private static func matches(_ stored: String, _ wanted: String) -> Bool {
        guard stored.utf8.count == wanted.utf8.count else { return false }
        let direct = stored.utf8.withContiguousStorageIfAvailable { a in
            wanted.utf8.withContiguousStorageIfAvailable { b -> Bool? in
                for index in 0..<a.count where a[index] != b[index] {
                    let byte = b[index]
                    guard byte < 0x80 else { return nil }
                    guard (0x41...0x5A).contains(byte), a[index] == byte | 0x20 else { return false }
                }
                return true
            }
        }
        if let direct, let direct, let direct { return direct }
        return stored == wanted.lowercased()
    }
}
