import Crypto

/// `X-Acumatica-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` — the guide format's scheme,
/// and GitHub's (`X-Hub-Signature-256`) with another header name.
public struct HMACSignatureAuthenticator: DeliveryAuthenticator {
    /// `hmac-sha256`.
    public let scheme = "hmac-sha256"
    /// The signature header (default `X-Acumatica-Signature`).
    public let header: String
    /// One HMAC per secret with the key already absorbed (the padded key's two hash blocks are
    /// computed once here, not on every delivery); each delivery hashes a copy.
    private let prototypes: [HMAC<SHA256>]

    /// - Parameters:
    ///   - header: Where the signature is.
    ///   - secrets: Every accepted secret (several during a rotation); must not be empty.
    public init(header: String = "X-Acumatica-Signature", secrets: [String]) {
        precondition(!secrets.isEmpty, "at least one secret is required")
        self.header = header
        self.prototypes = secrets.map { HMAC<SHA256>(key: SymmetricKey(data: Array($0.utf8))) }
    }

    /// Accepts when any secret's HMAC of the exact body equals the header's.
    public func authenticate(body: [UInt8], headers: DeliveryHeaders, nowUnixSeconds: Int64) throws(AuthenticationFailure) -> Int {
        guard let value = headers[header] else {
            throw AuthenticationFailure(.missingCredentials, "missing \(header) header")
        }
        guard let signature = Self.signature(in: value) else {
            throw AuthenticationFailure(.malformedCredentials, "\(header) must be sha256=<64 hex digits>")
        }
        // Check every key (no early exit) so timing does not tell which one matched.
        var matched: Int? = nil
        for (index, prototype) in prototypes.enumerated() {
            var mac = prototype
            mac.update(data: body)
            if mac.finalize().withUnsafeBytes({ ConstantTime.equals($0, signature) }) { matched = matched ?? index }
        }
        guard let matched else { throw AuthenticationFailure(.invalidSignature, "signature does not match") }
        return matched
    }

    private static let prefix: [UInt8] = Array("sha256=".utf8)

    /// The 32 bytes of `sha256=<64 hex digits>` (prefix in any case, spaces and tabs around
    /// it allowed), or nil. Read on the UTF-8 bytes: this runs for every delivery.
    static func signature(in value: String) -> [UInt8]? {
        let all = Array(value.utf8)
        var (start, end) = (0, all.count)
        while start < end, all[start] == 0x20 || all[start] == 0x09 { start += 1 }
        while end > start, all[end - 1] == 0x20 || all[end - 1] == 0x09 { end -= 1 }
        let prefix = Self.prefix
        guard end - start == prefix.count + 64 else { return nil }
        // ASCII letters compare without case; everything else exactly.
        for offset in 0..<prefix.count {
            let byte = all[start + offset]
            guard ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) == prefix[offset] else { return nil }
        }
        return Hex.decode(all[(start + prefix.count)..<end])
    }

    /// `sha256=<hex>` for `body` with `secret` (used by `acuhook send` and tests).
    public static func sign(_ body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + Hex.encode(Array(code))
    }
}

/// Lower-case hex encoding and decoding.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index != text.endIndex {
            let next = text.index(after: index)
            guard let high = nibble(text[index]), let low = nibble(text[next]) else { return nil }
            bytes.append(high << 4 | low)
            index = text.index(after: next)
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
