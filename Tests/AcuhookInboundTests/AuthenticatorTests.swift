import AcuhookInbound
import Foundation
import Testing

@Suite struct AuthenticatorTests {
    // Standard Webhooks' official test vector (ACUMATICA.md §3).
    let swSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let swID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let swTimestamp: Int64 = 1_614_265_330
    let swBody = Array(#"{"test": 2432232314}"#.utf8)
    let swSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    private func swHeaders(_ signature: String, id: String? = nil, timestamp: Int64? = nil) -> DeliveryHeaders {
        DeliveryHeaders([
            ("webhook-id", id ?? swID), ("webhook-timestamp", String(timestamp ?? swTimestamp)), ("webhook-signature", signature),
        ])
    }

    private func failure(_ body: () throws(AuthenticationFailure) -> Int) -> AuthenticationFailure.Code? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func standardWebhooksOfficialVector() throws {
        let verifier = try StandardWebhooksAuthenticator(secrets: [swSecret])
        #expect(try verifier.authenticate(body: swBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp) == 0)
        #expect(StandardWebhooksAuthenticator.sign(swBody, id: swID, timestamp: swTimestamp, secret: swSecret) == swSignature)
    }

    @Test func standardWebhooksNegativeCases() throws {
        let verifier = try StandardWebhooksAuthenticator(secrets: [swSecret])
        let lastCharA = String(swSignature.dropLast(2)) + "A="
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: swBody, headers: swHeaders(lastCharA), nowUnixSeconds: swTimestamp) } == .invalidSignature)
        let v2 = "v2," + swSignature.dropFirst(3)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: swBody, headers: swHeaders(v2), nowUnixSeconds: swTimestamp) } == .malformedCredentials)
        let otherBody = Array(#"{"test": 2432232315}"#.utf8)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: otherBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp) } == .invalidSignature)
        let otherID = swHeaders(swSignature, id: "msg_other")
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: swBody, headers: otherID, nowUnixSeconds: swTimestamp) } == .invalidSignature)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: swBody, headers: DeliveryHeaders([]), nowUnixSeconds: swTimestamp) } == .missingCredentials)
    }

    @Test func standardWebhooksToleranceBothWays() throws {
        let verifier = try StandardWebhooksAuthenticator(secrets: [swSecret], tolerance: .seconds(300))
        #expect(try verifier.authenticate(body: swBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp + 300) == 0)
        #expect(try verifier.authenticate(body: swBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp - 300) == 0)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: swBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp + 301) } == .staleTimestamp)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: swBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp - 301) } == .staleTimestamp)
    }

    @Test func standardWebhooksRotationAndSeveralSignatures() throws {
        let newSecret = "whsec_" + Data("a brand new key of 32 bytes!!!!!".utf8).base64EncodedString()
        let verifier = try StandardWebhooksAuthenticator(secrets: [newSecret, swSecret])
        #expect(try verifier.authenticate(body: swBody, headers: swHeaders(swSignature), nowUnixSeconds: swTimestamp) == 1)
        let both = "v1,bm90IGl0 " + swSignature
        #expect(try verifier.authenticate(body: swBody, headers: swHeaders(both), nowUnixSeconds: swTimestamp) == 1)
        #expect(throws: StandardWebhooksAuthenticator.InvalidSecret.self) { try StandardWebhooksAuthenticator(secrets: ["whsec_!!!"]) }
    }

    @Test func githubVectorForTheSeedScheme() throws {
        let body = Array("Hello, World!".utf8)
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(HMACSignatureAuthenticator.sign(body, secret: "It's a Secret to Everybody") == expected)
        let github = HMACSignatureAuthenticator(header: "X-Hub-Signature-256", secrets: ["It's a Secret to Everybody"])
        #expect(try github.authenticate(body: body, headers: DeliveryHeaders([("x-hub-signature-256", expected)]), nowUnixSeconds: 0) == 0)
        #expect(try github.authenticate(body: body, headers: DeliveryHeaders([("X-Hub-Signature-256", expected.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="))]), nowUnixSeconds: 0) == 0)
    }

    @Test func seedSignatureIsCheckedOnTheExactBytes() throws {
        let verifier = HMACSignatureAuthenticator(secrets: ["old", "new"])
        let body = Array(#"{"eventType":"Customer.Updated", "entityId":"C1"}"#.utf8)
        let signature = HMACSignatureAuthenticator.sign(body, secret: "new")
        #expect(try verifier.authenticate(body: body, headers: DeliveryHeaders([("X-Acumatica-Signature", signature)]), nowUnixSeconds: 0) == 1)
        // The same JSON re-serialised without the space is different bytes: refused.
        let compact = Array(#"{"eventType":"Customer.Updated","entityId":"C1"}"#.utf8)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: compact, headers: DeliveryHeaders([("X-Acumatica-Signature", signature)]), nowUnixSeconds: 0) } == .invalidSignature)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: body, headers: DeliveryHeaders([]), nowUnixSeconds: 0) } == .missingCredentials)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: body, headers: DeliveryHeaders([("X-Acumatica-Signature", "md5=abc")]), nowUnixSeconds: 0) } == .malformedCredentials)
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: body, headers: DeliveryHeaders([("X-Acumatica-Signature", "sha256=zz")]), nowUnixSeconds: 0) } == .malformedCredentials)
        // Prefix in any case, spaces and tabs around the value.
        let hex = String(signature.dropFirst(7))
        for variant in ["SHA256=\(hex)", " \tSha256=\(hex.uppercased())\t "] {
            #expect(try verifier.authenticate(body: body, headers: DeliveryHeaders([("X-Acumatica-Signature", variant)]), nowUnixSeconds: 0) == 1)
        }
        for malformed in ["sha256 =\(hex)", "sha256=\(hex.dropLast())", "sha256=\(hex)0", "sha256=\(hex.dropLast())g", "sha256:\(hex)", "sha256=\(hex.dropLast(2))é"] {
            #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: body, headers: DeliveryHeaders([("X-Acumatica-Signature", malformed)]), nowUnixSeconds: 0) } == .malformedCredentials, "\(malformed)")
        }
        // Well-formed but wrong in its last digit.
        let wrong = "sha256=" + hex.dropLast() + (hex.last == "0" ? "1" : "0")
        #expect(failure { () throws(AuthenticationFailure) in try verifier.authenticate(body: body, headers: DeliveryHeaders([("X-Acumatica-Signature", wrong)]), nowUnixSeconds: 0) } == .invalidSignature)
    }

    @Test func headerSecretBearerAndBasic() throws {
        let secret = HeaderSecretAuthenticator.headerSecret(header: "CustomAuthorization", values: ["s3cret", "n3w"])
        #expect(try secret.authenticate(body: [], headers: DeliveryHeaders([("customauthorization", "n3w")]), nowUnixSeconds: 0) == 1)
        #expect(failure { () throws(AuthenticationFailure) in try secret.authenticate(body: [], headers: DeliveryHeaders([("CustomAuthorization", "s3cre")]), nowUnixSeconds: 0) } == .invalidSignature)
        #expect(failure { () throws(AuthenticationFailure) in try secret.authenticate(body: [], headers: DeliveryHeaders([]), nowUnixSeconds: 0) } == .missingCredentials)

        let bearer = HeaderSecretAuthenticator.bearer(tokens: ["tok"])
        #expect(try bearer.authenticate(body: [], headers: DeliveryHeaders([("Authorization", "bearer tok")]), nowUnixSeconds: 0) == 0)
        #expect(failure { () throws(AuthenticationFailure) in try bearer.authenticate(body: [], headers: DeliveryHeaders([("Authorization", "Basic tok")]), nowUnixSeconds: 0) } == .malformedCredentials)

        let basic = HeaderSecretAuthenticator.basic(credentials: ["acumatica:pa55"])
        let encoded = Data("acumatica:pa55".utf8).base64EncodedString()
        #expect(try basic.authenticate(body: [], headers: DeliveryHeaders([("Authorization", "Basic \(encoded)")]), nowUnixSeconds: 0) == 0)
        let wrong = Data("acumatica:nope".utf8).base64EncodedString()
        #expect(failure { () throws(AuthenticationFailure) in try basic.authenticate(body: [], headers: DeliveryHeaders([("Authorization", "Basic \(wrong)")]), nowUnixSeconds: 0) } == .invalidSignature)
    }
}
