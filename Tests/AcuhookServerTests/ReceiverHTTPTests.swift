import AcuhookCore
import AcuhookInbound
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The receiver over real loopback HTTP (HummingbirdTesting's `.live` server and client).
@Suite struct ReceiverHTTPTests {
    @Test func acceptsASignedSeedDeliveryAndStoresItBeforeAnswering() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            let response = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "dlv-1"), body: ByteBuffer(string: seedBody))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"received":true,"duplicate":false,"events":1}"#)
            #expect(response.headers[.contentType] == "application/json")
        }
        let events = try await receiver.store.events(after: 0, limit: 10)
        #expect(events.count == 1)
        #expect(events.first?.event.eventType == "Customer.Updated")
        #expect(events.first?.event.json == Array(seedBody.utf8))
        #expect(events.first?.idempotencyKey == "dlv-1")
    }

    @Test func duplicatesAreAcknowledgedAndStoreNothingNew() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "same"), body: ByteBuffer(string: seedBody))
            }
            let again = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "same"), body: ByteBuffer(string: seedBody))
            #expect(again.status == .ok)
            #expect(String(buffer: again.body) == #"{"received":true,"duplicate":true}"#)
            // Without a delivery header, metadata.correlationId is the key.
            let byCorrelation = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: nil), body: ByteBuffer(string: seedBody))
            #expect(byCorrelation.json["duplicate"] as? Bool == false)
            let secondByCorrelation = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: nil), body: ByteBuffer(string: seedBody))
            #expect(secondByCorrelation.json["duplicate"] as? Bool == true)
        }
        #expect(try await receiver.store.count("deliveries") == 2)
        #expect(receiver.logs.all.contains { $0.message == "duplicate delivery acknowledged; nothing stored" && $0.metadata["acuhook.delivery.id"] == "same" })
    }

    @Test func secretRotationAcceptsEveryConfiguredSecret() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            for secret in [TestReceiver.seedSecret, "rotated-secret"] {
                let response = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, secret: secret), body: ByteBuffer(string: seedBody))
                #expect(response.status == .ok)
            }
            let retired = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, secret: "retired"), body: ByteBuffer(string: seedBody))
            #expect(retired.status == .unauthorized && retired.code == "invalid_signature")
        }
    }

    /// Every row of the bad-input list: status, JSON body, one log line with the delivery id, nothing stored.
    @Test func badInputGetsItsStatusAJSONErrorALogLineAndStoresNothing() async throws {
        var server = ServerSettings()
        server.maxBodySize = 4096
        var sources = TestReceiver.defaultSources()
        var limited = SourceSettings(name: "limited", authentication: .bearer(tokens: ["t"]))
        limited.perClientRateLimit = RateLimit(requestsPerSecond: 0.01, burst: 1)
        var fenced = SourceSettings(name: "fenced", authentication: .bearer(tokens: ["t"]))
        fenced.allow = [CIDRRange("192.0.2.0/24")!]
        sources += [limited, fenced]
        let receiver = try TestReceiver(sources: sources, server: server)
        try await receiver.application().test(.live) { client in
            func post(_ uri: String, _ body: String, _ headers: HTTPFields) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            var bearer = HTTPFields()
            bearer[.contentType] = "application/json"
            bearer[.authorization] = "Bearer t"
            bearer[header("X-Acumatica-Delivery")] = "dlv-bad"

            let cases: [(String, Int, String, () async throws -> TestResponse)] = [
                ("malformed JSON", 400, "malformed_json", { try await post("/webhooks/acumatica", "{oops", signedHeaders("{oops")) }),
                ("invalid UTF-8", 400, "invalid_utf8", {
                    let bytes: [UInt8] = [0x7B, 0x22, 0xFF, 0x22, 0x7D]
                    var headers = signedHeaders("")
                    headers[header("X-Acumatica-Signature")] = HMACSignatureAuthenticator.sign(bytes, secret: TestReceiver.seedSecret)
                    return try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
                }),
                ("missing signature", 401, "missing_credentials", {
                    var headers = signedHeaders(seedBody)
                    headers[header("X-Acumatica-Signature")] = nil
                    return try await post("/webhooks/acumatica", seedBody, headers)
                }),
                ("invalid signature", 401, "invalid_signature", { try await post("/webhooks/acumatica", seedBody, signedHeaders(seedBody + " ")) }),
                ("wrong secret", 401, "invalid_signature", {
                    var headers = HTTPFields()
                    headers[.contentType] = "application/json"
                    headers[header("CustomAuthorization")] = "not-the-token"
                    return try await post("/webhooks/push", "{}", headers)
                }),
                ("address not allowed", 403, "address_not_allowed", { try await post("/webhooks/fenced", seedBody, bearer) }),
                ("unknown source", 404, "unknown_source", { try await post("/webhooks/nosuch", seedBody, signedHeaders(seedBody)) }),
                ("percent-encoded source name", 404, "unknown_source", { try await post("/webhooks/acu%6Datica", seedBody, signedHeaders(seedBody)) }),
                ("wrong method", 405, "method_not_allowed", { try await client.execute(uri: "/webhooks/acumatica", method: .get) }),
                ("body over the limit", 413, "body_too_large", {
                    let big = #"{"x":""# + String(repeating: "a", count: 5000) + #""}"#
                    return try await post("/webhooks/acumatica", big, signedHeaders(big))
                }),
                ("not JSON content type", 415, "unsupported_media_type", { try await post("/webhooks/acumatica", seedBody, signedHeaders(seedBody, contentType: "text/plain")) }),
                ("JSON of no known format", 422, "unknown_format", {
                    let body = #"{"hello":"world"}"#
                    var headers = signedHeaders(body)
                    headers[header("X-Acumatica-Event")] = nil
                    return try await post("/webhooks/acumatica", body, headers)
                }),
                ("missing required field", 422, "missing_field", {
                    let body = #"{"eventType":"Customer.Updated"}"#
                    return try await post("/webhooks/acumatica", body, signedHeaders(body))
                }),
            ]
            for (name, status, code, send) in cases {
                let response = try await send()
                #expect(response.status.code == status, "\(name)")
                #expect(response.code == code, "\(name): \(String(buffer: response.body))")
                #expect(response.json["error"] is String, "\(name)")
            }

            // Rate limited: the first passes the limiter (and is refused later for its body), the second gets 429.
            _ = try await post("/webhooks/limited", "{}", bearer)
            let limitedResponse = try await post("/webhooks/limited", "{}", bearer)
            #expect(limitedResponse.status == .tooManyRequests && limitedResponse.code == "rate_limited")
            #expect(Int(limitedResponse.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
        #expect(try await receiver.store.count("deliveries") == 0)
        #expect(try await receiver.store.count("events") == 0)
        let refusals = receiver.logs.all.filter { $0.message == "delivery refused" }
        #expect(refusals.count >= 13)
        #expect(refusals.allSatisfy { $0.metadata["acuhook.source"] != nil && $0.metadata["acuhook.client"] != nil })
        #expect(refusals.contains { $0.metadata["acuhook.delivery.id"] == "dlv-bad" && $0.metadata["acuhook.http.status"] == "403" })
    }

    @Test func storeThatCannotCommitAnswers503AndTheRetryLandsLater() async throws {
        let receiver = try TestReceiver(busyTimeout: .milliseconds(200))
        try await receiver.application().test(.live) { client in
            // Another process-like connection holds the write lock: commits time out.
            let blocker = try FileHandleLock(path: receiver.storePath)
            let refused = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "during-outage"), body: ByteBuffer(string: seedBody))
            #expect(refused.status == .serviceUnavailable && refused.code == "store_unavailable")
            blocker.release()
            let retried = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "during-outage"), body: ByteBuffer(string: seedBody))
            #expect(retried.status == .ok && retried.json["duplicate"] as? Bool == false)
        }
        #expect(try await receiver.store.count("deliveries") == 1)
    }

    @Test func standardWebhooksOfficialVectorAndNegativesOverHTTP() async throws {
        var source = SourceSettings(name: "sw", authentication: .standardWebhooks(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], tolerance: .seconds(1_000_000_000)))
        source.normalizer.eventTypeField = "type"
        let receiver = try TestReceiver(sources: [source])
        try await receiver.application().test(.live) { client in
            func send(_ body: String, signature: String, timestamp: String = "1614265330") async throws -> TestResponse {
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[header("webhook-id")] = "msg_p5jXN8AQM9LWM0D4loKWxJek"
                headers[header("webhook-timestamp")] = timestamp
                headers[header("webhook-signature")] = signature
                return try await client.execute(uri: "/webhooks/sw", method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            let vector = #"{"test": 2432232314}"#
            let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
            // The vector authenticates; its body has no `type`, so it is refused after authentication with 422, not 401.
            let official = try await send(vector, signature: signature)
            #expect(official.status.code == 422 && official.code == "missing_field")
            #expect(try await send(vector, signature: String(signature.dropLast(2)) + "A=").code == "invalid_signature")
            #expect(try await send(vector, signature: "v2," + signature.dropFirst(3)).code == "malformed_credentials")

            // A real event signed now with the same secret is stored; webhook-id is its key.
            let body = #"{"type":"invoice.paid","data":{"id":"INV-1"}}"#
            let now = Int64(Date().timeIntervalSince1970)
            let fresh = StandardWebhooksAuthenticator.sign(Array(body.utf8), id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: now, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!
            let accepted = try await send(body, signature: fresh, timestamp: "\(now)")
            #expect(accepted.status == .ok)
        }
        let events = try await receiver.store.events(after: 0, limit: 10)
        #expect(events.map(\.event.eventType) == ["invoice.paid"])
        #expect(events.first?.idempotencyKey == "msg_p5jXN8AQM9LWM0D4loKWxJek")
    }

    @Test func staleStandardWebhooksTimestampIsRefused() async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let receiver = try TestReceiver(sources: [SourceSettings(name: "sw", authentication: .standardWebhooks(secrets: [secret], tolerance: .seconds(300)))])
        try await receiver.application().test(.live) { client in
            let body = #"{"type":"invoice.paid","data":{"id":"INV-1"}}"#
            for (offset, expected) in [(-310, "stale_timestamp"), (310, "stale_timestamp"), (-290, nil)] as [(Int64, String?)] {
                let timestamp = Int64(Date().timeIntervalSince1970) + offset
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[header("webhook-id")] = "msg_\(offset)"
                headers[header("webhook-timestamp")] = "\(timestamp)"
                headers[header("webhook-signature")] = StandardWebhooksAuthenticator.sign(Array(body.utf8), id: "msg_\(offset)", timestamp: timestamp, secret: secret)
                let response = try await client.execute(uri: "/webhooks/sw", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(response.code == expected, "offset \(offset)")
            }
        }
    }

    @Test func githubVectorAuthenticatesOverHTTP() async throws {
        let receiver = try TestReceiver(sources: [SourceSettings(name: "github", authentication: .hmacSHA256(header: "X-Hub-Signature-256", secrets: ["It's a Secret to Everybody"]))])
        try await receiver.application().test(.live) { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[header("X-Hub-Signature-256")] = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
            let response = try await client.execute(uri: "/webhooks/github", method: .post, headers: headers, body: ByteBuffer(string: "Hello, World!"))
            // Authenticated (not 401); the body is not JSON, so 400.
            #expect(response.status == .badRequest && response.code == "malformed_json")
            headers[header("X-Hub-Signature-256")] = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18"
            #expect(try await client.execute(uri: "/webhooks/github", method: .post, headers: headers, body: ByteBuffer(string: "Hello, World!")).status == .unauthorized)
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() async throws {
        var fenced = SourceSettings(name: "fenced", authentication: .bearer(tokens: ["t"]))
        fenced.allow = [CIDRRange("198.51.100.7")!]
        var trusting = ServerSettings()
        trusting.trustedProxies = [CIDRRange("127.0.0.0/8")!, CIDRRange("::1")!]
        let body = #"{"eventType":"Customer.Updated","entityId":"C1"}"#
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.authorization] = "Bearer t"
        headers[header("X-Forwarded-For")] = "198.51.100.7"
        let forwarded = headers
        let behindProxy = try TestReceiver(sources: [fenced], server: trusting)
        try await behindProxy.application().test(.live) { client in
            let response = try await client.execute(uri: "/webhooks/fenced", method: .post, headers: forwarded, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
        }
        let direct = try TestReceiver(sources: [fenced])
        try await direct.application().test(.live) { client in
            let response = try await client.execute(uri: "/webhooks/fenced", method: .post, headers: forwarded, body: ByteBuffer(string: body))
            #expect(response.status == .forbidden)
        }
    }

    @Test func pushNotificationUpdatePairArrivesAsOneUpdatedEvent() async throws {
        let receiver = try TestReceiver()
        let body = """
            {"Inserted":[{"InventoryID":"WIDGET01","ItemStatus":"Inactive"}],"Deleted":[{"InventoryID":"WIDGET01 ","ItemStatus":"Active"}],\
            "Query":"Stock Items","CompanyId":"MyTenant","Id":"5b0c-1","TimeStamp":638465233453014192,"AdditionalInfo":{}}
            """
        try await receiver.application().test(.live) { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[header("CustomAuthorization")] = "push-token"
            let response = try await client.execute(uri: "/webhooks/push", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(String(buffer: response.body) == #"{"received":true,"duplicate":false,"events":1}"#)
            // Acumatica resends: same CompanyId + Query + Id is a duplicate.
            #expect(try await client.execute(uri: "/webhooks/push", method: .post, headers: headers, body: ByteBuffer(string: body)).json["duplicate"] as? Bool == true)
        }
        let event = try #require(try await receiver.store.events(after: 0, limit: 10).first)
        #expect(event.event.eventType == "StockItem.Updated" && event.event.entityId == "WIDGET01")
        #expect(event.event.orderingKey == "638465233453014192")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event.event.json)) as? [String: Any])
        let changes = try #require(json["changes"] as? [[String: Any]])
        #expect(changes.count == 1 && changes.first?["field"] as? String == "ItemStatus")
        #expect(event.idempotencyKey == "MyTenant|Stock Items|5b0c-1")
    }

    @Test func aOneMegabyteBodyIsAcceptedAndALargerOneRefused() async throws {
        let receiver = try TestReceiver()
        @Sendable func pushBody(bytes target: Int) -> String {
            var rows: [String] = []
            var index = 0
            let head = #"{"Query":"Stock Items","CompanyId":"T","Id":"big-\#(target)","TimeStamp":1,"AdditionalInfo":{},"Deleted":[],"Inserted":["#
            var size = head.utf8.count + 2
            while true {
                let row = #"{"InventoryID":"ITEM\#(String(format: "%06d", index))","Description":"\#(String(repeating: "x", count: 200))"}"#
                if size + row.utf8.count + 1 > target { break }
                rows.append(row)
                size += row.utf8.count + 1
                index += 1
            }
            var body = head + rows.joined(separator: ",") + "]}"
            body += String(repeating: " ", count: max(0, target - body.utf8.count))
            return body
        }
        try await receiver.application().test(.live) { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[header("CustomAuthorization")] = "push-token"
            let oneMB = pushBody(bytes: 1_000_000)
            let accepted = try await client.execute(uri: "/webhooks/push", method: .post, headers: headers, body: ByteBuffer(string: oneMB))
            #expect(accepted.status == .ok)
            #expect((accepted.json["events"] as? Int ?? 0) > 4000)
            let tooBig = pushBody(bytes: (1 << 20) + 1)
            let refused = try await client.execute(uri: "/webhooks/push", method: .post, headers: headers, body: ByteBuffer(string: tooBig))
            #expect(refused.status == .contentTooLarge && refused.code == "body_too_large")
        }
        #expect(try await receiver.store.count("deliveries") == 1)
    }

    @Test func healthReadyAndTheTestEndpoint() async throws {
        var server = ServerSettings()
        server.testEndpointEnabled = true
        server.testEndpointSource = "acumatica"
        let receiver = try TestReceiver(server: server)
        try await receiver.application().test(.live) { client in
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .ok && ready.json["ready"] as? Bool == true)
            let body = #"{"note":"hello"}"#
            let test = try await client.execute(uri: "/webhooks/test", method: .post, headers: signedHeaders(body), body: ByteBuffer(string: body))
            #expect(test.status == .ok && test.json["events"] as? Int == 1)
            let unsigned = try await client.execute(uri: "/webhooks/test", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(unsigned.status == .unauthorized)
            let unknown = try await client.execute(uri: "/nowhere", method: .get)
            #expect(unknown.status == .notFound && unknown.code == "not_found")
        }
        let event = try #require(try await receiver.store.events(after: 0, limit: 1).first)
        #expect(event.event.eventType == "Test.Event")
        #expect(String(decoding: event.event.json, as: UTF8.self).contains(#""note":"hello""#))

        let disabled = try TestReceiver()
        try await disabled.application(ready: false).test(.live) { client in
            let body = "{}"
            #expect(try await client.execute(uri: "/webhooks/test", method: .post, headers: signedHeaders(body), body: ByteBuffer(string: body)).status == .notFound)
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .serviceUnavailable && ready.json["ready"] as? Bool == false)
        }
    }
}
