import AcuhookJSON
import Foundation

extension JSONValue {
    /// Compact JSON with sorted keys (stable output for tests and hashing).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("null".utf8))
    }
}
