import Crypto

/// Comparisons whose timing does not depend on where two values differ.
public enum ConstantTime {
    /// Whether `a` equals `b`. Both are hashed first, so neither the position of the first
    /// difference nor (beyond the hash) the lengths leak through timing.
    public static func equals(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
        let left = SHA256.hash(data: Array(a))
        let right = SHA256.hash(data: Array(b))
        var difference: UInt8 = 0
        for (x, y) in zip(left, right) { difference |= x ^ y }
        return difference == 0
    }

    /// Whether two byte strings of public length (a MAC and a presented signature) are equal,
    /// looking at every byte whatever the first difference.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
