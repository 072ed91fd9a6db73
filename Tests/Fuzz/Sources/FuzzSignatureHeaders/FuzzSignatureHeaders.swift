import FuzzDriver
import AcuhookInbound
import Crypto
import Foundation

// The signature headers of both signing schemes, on arbitrary header values and bodies.
// Input: one selector byte (even: hmac-sha256's `X-Acumatica-Signature`; odd: Standard Webhooks),
// then newline-separated fields — the header value(s) — and the rest is the body.
// Properties: no crash; a delivery is accepted only when a header carries the true signature of
// the body; and the true signature, as the sender writes it, is always accepted.

let hmacSecrets = ["s3cret", "next-s3cret"]
let hmac = HMACSignatureAuthenticator(secrets: hmacSecrets)
let webhookKey = Array("a key of thirty-two bytes, exact".utf8)
let webhookSecret = "whsec_" + Data(webhookKey).base64EncodedString()
let standard = try! StandardWebhooksAuthenticator(secrets: [webhookSecret])
let now: Int64 = 1_700_000_000

/// The property check for one input.
func checkSignatureHeaders(_ input: [UInt8]) {
    guard !input.isEmpty else { return }
    if input[0].isMultiple(of: 2) {
        let (fields, body) = split(input.dropFirst(), fields: 1)
        checkHMAC(value: fields[0], body: body)
    } else {
        let (fields, body) = split(input.dropFirst(), fields: 3)
        checkStandardWebhooks(id: fields[0], timestamp: fields[1], signatures: fields[2], body: body)
    }
}

/// The first `count` newline-terminated fields as text, and the remaining bytes.
func split(_ bytes: ArraySlice<UInt8>, fields count: Int) -> ([String], [UInt8]) {
    var rest = bytes
    var fields: [String] = []
    for _ in 0..<count {
        let end = rest.firstIndex(of: 0x0A) ?? rest.endIndex
        fields.append(String(decoding: rest[rest.startIndex..<end], as: UTF8.self))
        rest = end == rest.endIndex ? [] : rest[(end + 1)...]
    }
    return (fields, Array(rest))
}

func checkHMAC(value: String, body: [UInt8]) {
    let headers = DeliveryHeaders([(name: "X-Acumatica-Signature", value: value)])
    if let index = try? hmac.authenticate(body: body, headers: headers, nowUnixSeconds: now) {
        let written = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t")).lowercased()
        guard written == HMACSignatureAuthenticator.sign(body, secret: hmacSecrets[index]) else {
            fatalError("accepted \(value.debugDescription), which is not secret \(index)'s signature of the body")
        }
    }
    for (index, secret) in hmacSecrets.enumerated() {
        let signature = HMACSignatureAuthenticator.sign(body, secret: secret)
        for written in [signature, " " + signature.uppercased() + "\t"] {
            let accepted = try? hmac.authenticate(body: body, headers: DeliveryHeaders([(name: "x-acumatica-signature", value: written)]), nowUnixSeconds: now)
            guard accepted == index else { fatalError("the true signature \(written.debugDescription) is not accepted as secret \(index)") }
        }
    }
}

func checkStandardWebhooks(id: String, timestamp: String, signatures: String, body: [UInt8]) {
    let headers = DeliveryHeaders([(name: "webhook-id", value: id), (name: "webhook-timestamp", value: timestamp), (name: "webhook-signature", value: signatures)])
    if (try? standard.authenticate(body: body, headers: headers, nowUnixSeconds: now)) != nil {
        guard let seconds = Int64(timestamp.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))), abs(seconds - now) <= 300 else {
            fatalError("accepted the stale or unreadable timestamp \(timestamp.debugDescription)")
        }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: Array("\(id).\(seconds).".utf8) + body, using: SymmetricKey(data: webhookKey)))
        let carried = signatures.split(separator: " ").contains { entry in
            entry.hasPrefix("v1,") && Data(base64Encoded: String(entry.dropFirst(3))).map(Array.init) == expected
        }
        guard carried else { fatalError("accepted \(signatures.debugDescription), which carries no true signature") }
    }
    guard !id.isEmpty, let signature = StandardWebhooksAuthenticator.sign(body, id: id, timestamp: now - 60, secret: webhookSecret) else { return }
    let written = DeliveryHeaders([(name: "webhook-id", value: id), (name: "webhook-timestamp", value: String(now - 60)), (name: "webhook-signature", value: "v1,bm90IGl0 " + signature)])
    guard (try? standard.authenticate(body: body, headers: written, nowUnixSeconds: now)) == 0 else {
        fatalError("the true signature for id \(id.debugDescription) is not accepted")
    }
}
