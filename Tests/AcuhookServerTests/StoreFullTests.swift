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

/// A full store, honestly: SQLite's own size limit (`store.max_size`, `max_page_count`) makes
/// commits fail as a full disk does.
@Suite struct StoreFullTests {
    @Test func aFullStoreAnswers503KeepsNothingPartialAndResumesOnceSpaceReturns() async throws {
        let receiver = try TestReceiver(maxSizeBytes: 1 << 20)
        // ~60 KB bodies: the 1 MiB file fills after a dozen or so.
        let filler = String(repeating: "x", count: 60_000)
        let body = #"{"eventType":"Customer.Updated","entityType":"Customer","entityId":"C1","data":{"Note":{"value":"\#(filler)"}},"metadata":{"correlationId":"c"}}"#
        try await receiver.application().test(.live) { client in
            var accepted = 0
            var refused: TestResponse?
            for index in 0..<60 {
                let response = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(body, delivery: "fill-\(index)"), body: ByteBuffer(string: body))
                if response.status == .ok { accepted += 1 } else { refused = response; break }
            }
            let full = try #require(refused, "the store never filled up")
            #expect(full.status == .serviceUnavailable && full.code == "store_unavailable" && full.headers[.retryAfter] == "5")
            #expect(accepted > 5)
            // Nothing partial: every stored delivery has its event and nothing else was kept.
            #expect(try await receiver.store.count("deliveries") == accepted)
            #expect(try await receiver.store.count("events") == accepted)
            #expect(receiver.logs.all.contains { $0.message == "delivery refused" && $0.metadata["acuhook.delivery.id"] == "fill-\(accepted)" })
            // Still full: refused again, and the server is fine.
            let again = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(body, delivery: "fill-\(accepted)"), body: ByteBuffer(string: body))
            #expect(again.status == .serviceUnavailable)
            // Space returns (the retention sweep removes finished work): receiving resumes by itself.
            let removed = try await receiver.store.removeFinishedDeliveries(receivedBefore: .max, limit: 1_000_000)
            #expect(removed == accepted)
            let resumed = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(body, delivery: "fill-\(accepted)"), body: ByteBuffer(string: body))
            #expect(resumed.status == .ok && resumed.json["duplicate"] as? Bool == false)
        }
    }
}

/// The store file deleted under the running server: SQLite would go on writing into the
/// unlinked file, so deliveries would be acknowledged and then lost at the next start.
@Suite struct StoreFileGoneTests {
    @Test func aDeletedStoreFileIsNoticedAndDeliveriesAreRefusedNotLost() async throws {
        let receiver = try TestReceiver()
        try await receiver.application().test(.live) { client in
            let first = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "before"), body: ByteBuffer(string: seedBody))
            #expect(first.status == .ok)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: receiver.storePath + suffix) }
            try await Task.sleep(for: .milliseconds(150))
            let refused = try await client.execute(uri: "/webhooks/acumatica", method: .post, headers: signedHeaders(seedBody, delivery: "after"), body: ByteBuffer(string: seedBody))
            #expect(refused.status == .serviceUnavailable && refused.code == "store_unavailable")
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(String(buffer: ready.body).contains("was deleted while acuhook was running"))
        }
        #expect(receiver.logs.all.filter { $0.message == "store file gone" }.count == 1)
        #expect(receiver.logs.all.contains { $0.message == "delivery refused" && $0.metadata["acuhook.delivery.id"] == "after" })
    }
}
