import AcuhookInbound
import AcuhookServer
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetricsTestKit
import NIOCore
import Testing

/// What the receiver counts per source, and what `/health` shows of it, over real loopback HTTP.
@Suite struct ReceiverMetricsTests {
    func deliveries(_ receiver: TestReceiver, _ source: String, _ code: String, duplicate: Bool = false) -> Int64 {
        receiver.metrics.counterTotal(label: "acuhook_deliveries_total", dimensions: [("source", source), ("code", code), ("duplicate", "\(duplicate)")])
    }

    @Test func deliveriesAreCountedBySourceCodeAndDuplicateAndTimedFromHeadToAnswer() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            for _ in 0..<2 {
                _ = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "same"), body: ByteBuffer(string: seedBody))
            }
            _ = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "other"), body: ByteBuffer(string: seedBody))
            _ = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, secret: "wrong"), body: ByteBuffer(string: seedBody))
            // Unknown names, however many, share one series.
            for name in ["nope", "n%6Fpe", "random-\(UUID().uuidString)"] {
                _ = try await client.execute(uri: "/webhooks/\(name)", method: .post, headers: signedHeaders(seedBody), body: ByteBuffer(string: seedBody))
            }
        }
        #expect(deliveries(receiver, "acumatica", "200") == 2)
        #expect(deliveries(receiver, "acumatica", "200", duplicate: true) == 1)
        #expect(deliveries(receiver, "acumatica", "401") == 1)
        #expect(deliveries(receiver, "_unknown", "404") == 3)
        #expect(receiver.metrics.counterTotal(label: "acuhook_events_stored_total", dimensions: [("source", "acumatica")]) == 2)
        let latency = try receiver.metrics.expectTimer("acuhook_delivery_duration_seconds", [("source", "acumatica")])
        #expect(latency.values.count == 4 && latency.values.allSatisfy { $0 > 0 })
        // Label values are source names and codes: never a delivery id or an event type.
        let values = receiver.metrics.counters.flatMap { $0.dimensions.map(\.1) }
        #expect(!values.contains { $0.contains("same") || $0.contains("random-") || $0.contains("Customer") })
        let meter = try #require(receiver.pipeline.sourceMeters["acumatica"])
        #expect(meter.deliveriesProcessed == 3 && meter.errors == 1 && meter.lastDeliveryUnixMilliseconds != nil)
    }

    @Test func healthCarriesTheCountersUnlessTheyAreHidden() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            let before = try await client.execute(uri: "/health", method: .get)
            #expect(before.json["status"] as? String == "ok")
            #expect(before.json["deliveriesProcessed"] as? Int == 0)
            #expect(before.json["lastDeliveryAt"] is NSNull)
            #expect(before.json["uptimeSeconds"] as? Int != nil)
            _ = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody), body: ByteBuffer(string: seedBody))
            _ = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, secret: "wrong"), body: ByteBuffer(string: seedBody))
            let after = try await client.execute(uri: "/health", method: .get)
            #expect(after.json["deliveriesProcessed"] as? Int == 1)
            #expect(after.json["errors"] as? Int == 1)
            let last = try #require(after.json["lastDeliveryAt"] as? String)
            #expect(ISO8601DateFormatter.withFractionalSeconds.date(from: last) != nil)
        }

        var hidden = ServerSettings()
        hidden.healthDetails = false
        let quiet = try TestReceiver(server: hidden)
        try await quiet.application().test(.live) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
        }
    }
}

extension ISO8601DateFormatter {
    /// `2026-12-01T20:30:22.304Z`.
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
