import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

@Suite struct SQLiteEventStoreTests {
    private func store() throws -> (SQLiteEventStore, String) {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("data/acuhook.db").path
        return (try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test")), path)
    }

    private func delivery(key: String, events: Int = 1, at time: Int64 = 1_700_000_000_000, source: String = "acumatica") -> Delivery {
        Delivery(
            source: source,
            idempotencyKey: key,
            idempotencyKeyOrigin: "X-Acumatica-Delivery",
            format: .guide,
            receivedAtUnixMilliseconds: time,
            body: Array(#"{"eventType":"Customer.Updated"}"#.utf8),
            headers: [Delivery.HeaderField(name: "x-acumatica-delivery", value: key)],
            clientAddress: "127.0.0.1",
            events: (0..<events).map { index in
                InboundEvent(
                    eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(index)", tenant: "T",
                    orderingKey: "638465233453014192", json: Array(#"{"n":\#(index)}"#.utf8)
                )
            }
        )
    }

    @Test func acceptsStoresEverythingAndDeduplicates() async throws {
        let (store, _) = try store()
        guard case .accepted(let id, let events) = try await store.accept(delivery(key: "k1", events: 2), keepKeyFor: .seconds(3 * 86400)) else {
            Issue.record("first delivery was not accepted")
            return
        }
        #expect(events.count == 2)
        #expect(try await store.accept(delivery(key: "k1", events: 2), keepKeyFor: .seconds(3 * 86400)) == .duplicate(deliveryID: id))
        #expect(try await store.count("deliveries") == 1)
        #expect(try await store.count("events") == 2)
        // The same key at another source is another delivery.
        guard case .accepted = try await store.accept(delivery(key: "k1", source: "other"), keepKeyFor: .seconds(60)) else {
            Issue.record("same key at another source was refused")
            return
        }
        let stored = try await store.events(after: 0, limit: 10)
        #expect(stored.map(\.event.entityId) == ["C0", "C1", "C0"])
        #expect(stored.first?.event.orderingKey == "638465233453014192")
        #expect(stored.first?.event.json == Array(#"{"n":0}"#.utf8))
        #expect(stored.first?.idempotencyKey == "k1" && stored.last?.source == "other")
    }

    @Test func concurrentAcceptsShareCommitsAndStayExactlyOnce() async throws {
        let (store, _) = try store()
        let results = await withTaskGroup(of: AcceptResult?.self) { group in
            for index in 0..<400 {
                // Every key is sent twice at once: exactly one of each pair is accepted.
                group.addTask { try? await store.accept(self.delivery(key: "k\(index % 200)"), keepKeyFor: .seconds(60)) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 != nil })
        let accepted = results.compactMap { result -> Int64? in if case .accepted(let id, _) = result { id } else { nil } }
        #expect(accepted.count == 200)
        // Row ids are handed out within each shared commit: a duplicate in the same commit uses none.
        #expect(Set(accepted).count == 200)
        let duplicates = results.compactMap { result -> Int64? in if case .duplicate(let id) = result { id } else { nil } }
        #expect(Set(duplicates) == Set(accepted))
        #expect(try await store.count("deliveries") == 200)
        #expect(try await store.count("events") == 200)
    }

    @Test func expiredKeysAreSweptAndNoLongerDeduplicate() async throws {
        let (store, _) = try store()
        _ = try await store.accept(delivery(key: "old", at: 1_000), keepKeyFor: .seconds(10))
        _ = try await store.accept(delivery(key: "new", at: 50_000), keepKeyFor: .seconds(10))
        // Past its expiry but not yet swept, the key no longer deduplicates.
        guard case .accepted = try await store.accept(delivery(key: "old", at: 20_000), keepKeyFor: .seconds(10)) else {
            Issue.record("expired key still deduplicated")
            return
        }
        #expect(try await store.expireIdempotencyKeys(nowUnixMilliseconds: 40_000, limit: 100) == 1)
        #expect(try await store.count("idempotency_keys") == 1)
    }

    @Test func survivesReopening() async throws {
        let (store, path) = try store()
        _ = try await store.accept(delivery(key: "persist", events: 3), keepKeyFor: .seconds(60))
        let reopened = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        #expect(try await reopened.count("events") == 3)
        guard case .duplicate = try await reopened.accept(delivery(key: "persist"), keepKeyFor: .seconds(60)) else {
            Issue.record("key forgotten after reopening")
            return
        }
        try await reopened.checkWritable()
    }

    @Test func unwritableLocationIsAClearError() {
        #expect(throws: StoreError.self) {
            try SQLiteEventStore(configuration: .init(path: "/proc/acuhook/cannot/acuhook.db"), logger: Logger(label: "test"))
        }
    }
}

@Suite struct JobOrderingTests {
    private func event(_ id: String, plugins: [String], ordered: Set<String>) -> InboundEvent {
        var event = InboundEvent(eventType: "StockItem.Updated", entityType: "StockItem", entityId: id, tenant: "T", orderingKey: "", json: Array("{}".utf8), plugins: plugins)
        event.orderedPlugins = ordered
        return event
    }

    @Test func orderedJobsOfOneEntityRunOneAtATimeEvenAcrossRetries() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        let events = [
            event("A", plugins: ["p", "q"], ordered: ["p"]),  // job 1 (p, lane A), job 2 (q, no lane)
            event("A", plugins: ["p", "q"], ordered: ["p"]),  // job 3 (p, lane A: waits for 1), job 4 (q)
            event("B", plugins: ["p"], ordered: ["p"]),  // job 5 (p, lane B)
        ]
        let delivery = Delivery(
            source: "s", idempotencyKey: "k", idempotencyKeyOrigin: "test", format: .pushNotification, receivedAtUnixMilliseconds: 1_000,
            body: [], headers: [], clientAddress: "-", events: events
        )
        _ = try await store.accept(delivery, keepKeyFor: .seconds(60))
        let first = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        #expect(first.map(\.id) == [1, 2, 4, 5])
        // Job 1 fails and is rescheduled: job 3 (same lane) must still wait.
        try await store.complete([JobCompletion(jobID: 1, disposition: .retry(atUnixMilliseconds: 5_000, delayMilliseconds: 3_000), attempt: nil)])
        #expect(try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 3_000).isEmpty)
        let retried = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_000)
        #expect(retried.map(\.id) == [1])
        try await store.complete([JobCompletion(jobID: 1, disposition: .done(skipped: false), attempt: nil)])
        let next = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_001)
        #expect(next.map(\.id) == [3])
    }
}

@Suite struct LaneOrderTests {
    func push(_ key: String, timestamps: [String]) -> Delivery {
        let events = timestamps.map { stamp in
            var event = InboundEvent(eventType: "StockItem.Updated", entityType: "StockItem", entityId: "AALEGO500", tenant: "T", orderingKey: stamp, json: Array("{}".utf8), plugins: ["p"])
            event.orderedPlugins = ["p"]
            return event
        }
        return Delivery(source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .pushNotification, receivedAtUnixMilliseconds: 1_000, body: [], headers: [], clientAddress: "-", events: events)
    }

    @Test func jobsOfOneEntityRunInTimeStampOrderWhateverTheReceiptOrder() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        // Received newest first (a resend of older notifications arriving late); ticks exceed 2^53
        // and "99" < "100" numerically though not as text.
        _ = try await store.accept(push("a", timestamps: ["638465233453014300"]), keepKeyFor: .seconds(60))  // job 1
        _ = try await store.accept(push("b", timestamps: ["638465233453014100", "638465233453014200"]), keepKeyFor: .seconds(60))  // jobs 2, 3
        _ = try await store.accept(push("c", timestamps: ["99"]), keepKeyFor: .seconds(60))  // job 4
        var order: [Int64] = []
        for now in Int64(2_000)..<2_010 {
            let claimed = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: now)
            #expect(claimed.count <= 1, "one job of the lane at a time")
            guard let job = claimed.first else { break }
            order.append(job.id)
            try await store.complete([JobCompletion(jobID: job.id, disposition: .done(skipped: false), attempt: nil)])
        }
        #expect(order == [4, 2, 3, 1])
    }

    @Test func aRunningJobHoldsItsLaneEvenForAnOlderTimeStamp() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        _ = try await store.accept(push("a", timestamps: ["638465233453014300"]), keepKeyFor: .seconds(60))
        #expect(try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000).map(\.id) == [1])
        _ = try await store.accept(push("b", timestamps: ["638465233453014100"]), keepKeyFor: .seconds(60))
        #expect(try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_001).isEmpty)
        try await store.complete([JobCompletion(jobID: 1, disposition: .done(skipped: false), attempt: nil)])
        #expect(try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_002).map(\.id) == [2])
    }
}

@Suite struct DebounceTests {
    @Test func eventsOfOneEntityWithinTheWindowCoalesceIntoTheLatestDurably() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        func deliver(_ key: String, entity: String, at time: Int64) async throws {
            var event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: entity, tenant: "T", orderingKey: "", json: Array(#"{"n":"\#(key)"}"#.utf8), plugins: ["p"])
            event.debounceMilliseconds = ["p": 5_000]
            let delivery = Delivery(source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time, body: [], headers: [], clientAddress: "-", events: [event])
            _ = try await store.accept(delivery, keepKeyFor: .seconds(60))
        }
        try await deliver("a1", entity: "A", at: 1_000)
        try await deliver("a2", entity: "A", at: 2_000)
        try await deliver("b1", entity: "B", at: 2_500)
        try await deliver("a3", entity: "A", at: 3_000)
        // Nothing is due inside the window, and it is all on disk: reopening loses nothing.
        let reopened = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        #expect(try await reopened.jobCounts() == [.pending: 2, .superseded: 2])
        #expect(try await reopened.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 7_000).isEmpty)
        #expect(try await reopened.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 7_600).map(\.event.event.entityId) == ["B"])
        let latest = try await reopened.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 8_000)
        #expect(latest.count == 1)
        #expect(latest.first.map { String(decoding: $0.event.event.json, as: UTF8.self) } == #"{"n":"a3"}"#)
    }
}

@Suite struct WriteAheadLogTests {
    /// The WAL starts over after each automatic checkpoint and is truncated to its limit then.
    @Test func theWALStaysBoundedUnderASteadyWriteLoad() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        var configuration = SQLiteEventStore.Configuration(path: path)
        configuration.checkpointPages = 64
        configuration.walSizeLimitBytes = 512 << 10
        configuration.synchronous = .normal
        // The writer's own checkpoint alone bounds the WAL. (A background checkpoint running at
        // the same moment makes it skip with SQLITE_BUSY and retry on a later commit: on a
        // loaded machine that once let this WAL pass the bound below.)
        configuration.backgroundCheckpointInterval = nil
        let store = try SQLiteEventStore(configuration: configuration, logger: Logger(label: "test"))
        let body = Array(String(repeating: "x", count: 4000).utf8)
        var largest = 0
        for index in 0..<600 {
            let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(index)", tenant: "T", orderingKey: "", json: body, plugins: ["p"])
            let delivery = Delivery(
                source: "s", idempotencyKey: "k\(index)", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000,
                body: body, headers: [], clientAddress: "-", events: [event]
            )
            _ = try await store.accept(delivery, keepKeyFor: .seconds(60))
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            largest = max(largest, size)
        }
        // ~5 MB were written; the WAL never grew much past one checkpoint's worth of pages.
        #expect(largest < 2 << 20, "largest WAL: \(largest) bytes")
        #expect(try await store.count("events") == 600)
    }
}

@Suite struct DeadLetterReplayTests {
    @Test func bulkReplayRunsInBatchesReportsProgressAndKeepsHistory() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        let events = (0..<7).map { index in
            InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(index)", tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: ["p"])
        }
        _ = try await store.accept(
            Delivery(source: "s", idempotencyKey: "k", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000, body: [], headers: [], clientAddress: "-", events: events),
            keepKeyFor: .seconds(60)
        )
        let claimed = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        try await store.complete(claimed.map { job in
            JobCompletion(jobID: job.id, disposition: .dead(reason: .exhausted), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 1, outcome: .retry, message: "down"))
        })
        var reported: [[Int]] = []
        let count = try await store.replay(DeadLetterFilter(plugin: "p"), nowUnixMilliseconds: 3_000, batchSize: 3) { done, total in
            reported.append([done, total])
        }
        #expect(count == 7)
        #expect(reported == [[0, 7], [3, 7], [6, 7], [7, 7]])
        #expect(try await store.jobCounts() == [.pending: 7])
        #expect(try await store.count("job_attempts") == 7)
        // A fresh budget: the next claim is attempt 1 again.
        let again = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 3_000)
        #expect(again.map(\.attempt) == Array(repeating: 1, count: 7))
        // Nothing left to replay.
        #expect(try await store.replay(DeadLetterFilter(), nowUnixMilliseconds: 4_000) == 0)
        // A replayed job's success is recorded after its history; a job that succeeds at its
        // first attempt with no history gets no attempt row (its job row is the record).
        try await store.complete([JobCompletion(jobID: again[0].id, disposition: .done(skipped: false), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 3_000, durationMilliseconds: 1, outcome: .ok, message: nil))])
        #expect(try await store.count("job_attempts") == 8)
        _ = try await store.accept(
            Delivery(source: "s", idempotencyKey: "k2", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 5_000, body: [], headers: [], clientAddress: "-", events: [events[0]]),
            keepKeyFor: .seconds(60)
        )
        let fresh = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_000)
        #expect(fresh.count == 1)
        try await store.complete([JobCompletion(jobID: fresh[0].id, disposition: .done(skipped: false), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 5_000, durationMilliseconds: 1, outcome: .ok, message: nil))])
        #expect(try await store.count("job_attempts") == 8)
        #expect(try await store.jobCounts()[.done] == 2)
    }
}
