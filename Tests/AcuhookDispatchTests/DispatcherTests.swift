import AcuhookCore
import AcuhookDispatch
import AcuhookPluginHost
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

/// The dispatcher with the real SQLite store and real plugins built from `Plugins/`.
@Suite struct DispatcherTests {
    struct World {
        let store: SQLiteEventStore
        let host: PluginHost<ContinuousClock>
        let dispatcher: Dispatcher<ContinuousClock>
        let dir: URL
    }

    static func fastRetry(attempts: Int) -> RetryPolicy {
        var retry = RetryPolicy()
        retry.baseDelay = .milliseconds(20)
        retry.maxDelay = .milliseconds(50)
        retry.maxAttempts = attempts
        retry.jitter = .none
        return retry
    }

    static func makeWorld(
        extraPlugins: [PluginSettings] = [],
        retryAttempts: Int = 3,
        customerFilter: EventFilter? = nil,
        logger: Logger = Logger(label: "test"),
        metrics: TestMetrics = TestMetrics()
    ) throws -> World {
        let dir = try FixturePlugins.temporaryDirectory()
        let store = try SQLiteEventStore(configuration: .init(path: dir.appendingPathComponent("acuhook.db").path), logger: logger)
        var settings = PluginHostSettings()
        var customer = PluginSettings(path: FixturePlugins.path("CustomerSync"))
        customer.configJSON = Array(#"{"output":"\#(dir.path)/customers.jsonl"}"#.utf8)
        customer.filter = customerFilter
        var orders = PluginSettings(path: FixturePlugins.path("OrderThreshold"))
        orders.configJSON = Array(#"{"order_total":1000}"#.utf8)
        var stock = PluginSettings(path: FixturePlugins.path("StockLog"))
        stock.configJSON = Array(#"{"path":"\#(dir.path)/stock.tsv"}"#.utf8)
        settings.plugins = [customer, orders, stock] + extraPlugins
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: logger)
        var configuration = DispatchSettings()
        configuration.retry = fastRetry(attempts: retryAttempts)
        configuration.idlePoll = .milliseconds(20)
        configuration.breakerHold = .milliseconds(50)
        let dispatcher = Dispatcher(store: store, host: host, configuration: configuration, logger: logger, metricsFactory: metrics)
        return World(store: store, host: host, dispatcher: dispatcher, dir: dir)
    }

    /// Stores a delivery the way the receiver does (routed by the host's policy, one job per plugin).
    static func deliver(_ world: World, _ events: [InboundEvent], key: String = UUID().uuidString) async throws {
        let routed = events.map { $0.routed(world.host.route($0.eventType, orderedByDefault: false)) }
        let delivery = Delivery(
            source: "acumatica", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide,
            receivedAtUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), body: Array("{}".utf8), headers: [],
            clientAddress: "127.0.0.1", events: routed
        )
        _ = try await world.store.accept(delivery, keepKeyFor: .seconds(60))
        world.dispatcher.wakeup.signal()
    }

    static func guideEvent(_ type: String, id: String, data: String) -> InboundEvent {
        let entity = String(EventTypeName.entity(of: type))
        let json = #"{"eventType":"\#(type)","entityType":"\#(entity)","entityId":"\#(id)","tenantId":"T","timestamp":"2024-01-15T10:30:00Z","data":\#(data)}"#
        return InboundEvent(eventType: type, entityType: entity, entityId: id, tenant: "T", orderingKey: "", json: Array(json.utf8))
    }

    /// Runs the dispatcher until `done` holds (or 20 s pass), then shuts it down gracefully.
    static func dispatch(_ world: World, until done: @escaping @Sendable () async throws -> Bool) async throws {
        let group = ServiceGroup(configuration: .init(services: [world.dispatcher], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // A deadline, not a speed: a busy machine may take several times the usual few seconds.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if try await done() { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func receivedEventsReachEveryRoutedPluginAndDerivedEventsAreRouted() async throws {
        var large = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        large.events = [.exact("SalesOrder.LargeOrder")]
        let world = try Self.makeWorld(extraPlugins: [large])
        try await Self.deliver(world, [
            Self.guideEvent("Customer.Updated", id: "CUST001", data: #"{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Acme"},"Status":{"value":"Active"}}"#),
            Self.guideEvent("SalesOrder.Inserted", id: "SO-SMALL", data: #"{"OrderTotal":{"value":10}}"#),
            Self.guideEvent("SalesOrder.Inserted", id: "SO-LARGE", data: #"{"OrderNbr":{"value":"SO-LARGE"},"OrderTotal":{"value":2500}}"#),
            Self.guideEvent("StockItem.Updated", id: "WIDGET01", data: #"{"InventoryID":"WIDGET01"}"#),
        ])
        let store = world.store
        try await Self.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.pending, default: 0] == 0 && counts[.running, default: 0] == 0 && counts[.done, default: 0] + counts[.skipped, default: 0] >= 5
        }
        let counts = try await store.jobCounts()
        // Done: customer-sync, order-threshold (large order), stock-log, and the fixture for the derived
        // LargeOrder. Skipped: order-threshold for the small order. Its own derived event does not
        // come back to it (no receive_own_events).
        #expect(counts[.done] == 4, "\(counts)")
        #expect(counts[.skipped] == 1, "\(counts)")
        #expect(try await store.jobRows().filter { $0.eventType == "SalesOrder.LargeOrder" }.map(\.plugin) == ["fixture-scripted"])
        #expect(counts[.dead] == nil, "\(counts)")
        let customers = try String(contentsOf: world.dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)
        #expect(customers.contains(#""id":"CUST001""#) && customers.contains(#""name":"Acme""#))
        let stock = try String(contentsOf: world.dir.appendingPathComponent("stock.tsv"), encoding: .utf8)
        #expect(stock.contains("StockItem.Updated\tT\tWIDGET01\t1"))
        let events = try await store.events(after: 0, limit: 100)
        let derived = try #require(events.first { $0.event.eventType == "SalesOrder.LargeOrder" })
        #expect(derived.event.entityId == "SO-LARGE" && derived.event.derivationDepth == 1 && derived.source == "derived")
        #expect(String(decoding: derived.event.json, as: UTF8.self).contains(#""parentEventType":"SalesOrder.Inserted""#))
    }

    @Test func derivedEventsAreRoutedWithTheirPluginsOrderingAndDebounce() async throws {
        // order-threshold emits SalesOrder.LargeOrder for the large order; the fixture receives
        // it with `ordered` and a long `debounce`, as a received event would.
        var large = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        large.events = [.exact("SalesOrder.LargeOrder")]
        large.ordered = true
        large.debounce = .seconds(600)
        let world = try Self.makeWorld(extraPlugins: [large])
        try await Self.deliver(world, [
            Self.guideEvent("SalesOrder.Inserted", id: "SO-LARGE", data: #"{"OrderNbr":{"value":"SO-LARGE"},"OrderTotal":{"value":2500}}"#),
        ])
        let store = world.store
        try await Self.dispatch(world) {
            try await store.jobRows().contains { $0.eventType == "SalesOrder.LargeOrder" && $0.plugin == "fixture-scripted" }
        }
        let derived = try #require(try await store.jobRows().first { $0.eventType == "SalesOrder.LargeOrder" && $0.plugin == "fixture-scripted" })
        #expect(derived.lane != nil, "the derived event's job runs in its entity's lane")
        #expect(derived.debounceKey != nil, "the derived event's job is debounced")
        #expect(derived.dueAtUnixMilliseconds - derived.receivedAtUnixMilliseconds == 600_000)
        #expect(derived.state == .pending)
        // The received event's own job for order-threshold was neither ordered nor debounced.
        let received = try #require(try await store.jobRows().first { $0.eventType == "SalesOrder.Inserted" && $0.plugin == "order-threshold" })
        #expect(received.lane == nil && received.debounceKey == nil && received.state == .done)
    }

    @Test func transientFailuresAreRetriedThenDeadLetteredWithEveryAttempt() async throws {
        var scripted = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        scripted.events = [.prefix("Fixture.")]
        scripted.breaker.disabled = true
        let world = try Self.makeWorld(extraPlugins: [scripted], retryAttempts: 3)
        try await Self.deliver(world, [
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: "retry", tenant: "", orderingKey: "", json: Array("{}".utf8)),
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: "reject", tenant: "", orderingKey: "", json: Array("{}".utf8)),
        ])
        let store = world.store
        try await Self.dispatch(world) { try await store.jobCounts()[.dead, default: 0] == 2 }
        let dead = try await store.deadLetters()
        let exhausted = try #require(dead.first { $0.reason == .exhausted })
        #expect(exhausted.attempts.map(\.number) == [1, 2, 3])
        #expect(exhausted.attempts.allSatisfy { $0.outcome == .retry && $0.message == "downstream unavailable (fixture)" })
        let rejected = try #require(dead.first { $0.reason == .rejected })
        #expect(rejected.attempts.count == 1 && rejected.attempts.first?.message == "bad data (fixture)")
        #expect(try await store.deadLetters(DeadLetterFilter(reason: .rejected)).count == 1)

        // Replay one: a fresh attempt budget, history kept.
        #expect(try await store.replay(DeadLetterFilter(jobIDs: [rejected.jobID]), nowUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)) == 1)
        try await Self.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.dead, default: 0] == 2 && counts[.pending, default: 0] == 0 && counts[.running, default: 0] == 0
        }
        let again = try #require(try await store.deadLetters(DeadLetterFilter(jobIDs: [rejected.jobID])).first)
        #expect(again.attempts.map(\.number) == [1, 1])
        #expect(try await store.purge(DeadLetterFilter(reason: .exhausted)) == 1)
        #expect(try await store.deadLetters().count == 1)
    }

    @Test func filteredEventsAreMarkedSkippedNotDropped() async throws {
        let world = try Self.makeWorld(customerFilter: try EventFilter(parsing: #"data.Status == "Active""#))
        try await Self.deliver(world, [
            Self.guideEvent("Customer.Updated", id: "ACTIVE", data: #"{"CustomerID":{"value":"ACTIVE"},"Status":{"value":"Active"}}"#),
            Self.guideEvent("Customer.Updated", id: "GONE", data: #"{"CustomerID":{"value":"GONE"},"Status":{"value":"Inactive"}}"#),
        ])
        let store = world.store
        try await Self.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.done, default: 0] + counts[.skipped, default: 0] == 2
        }
        #expect(try await store.jobCounts() == [.done: 1, .skipped: 1])
        let customers = try String(contentsOf: world.dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)
        #expect(customers.contains("ACTIVE") && !customers.contains("GONE"))
    }

    @Test func anOpenBreakerHoldsJobsWithoutSpendingAttempts() async throws {
        var scripted = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        scripted.events = [.prefix("Fixture.")]
        let world = try Self.makeWorld(extraPlugins: [scripted], retryAttempts: 5)
        world.host.runners["fixture-scripted"]?.controlBreaker(.open, reason: "test")
        try await Self.deliver(world, [InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: "ok", tenant: "", orderingKey: "", json: Array("{}".utf8))])
        let store = world.store
        // Several claim rounds (idle poll 20 ms): the job is left in the store, never claimed.
        let until = ContinuousClock.now + .milliseconds(300)
        try await Self.dispatch(world) { ContinuousClock.now >= until }
        #expect(world.host.runners["fixture-scripted"]!.statistics.calls == 0)
        #expect(try await store.jobCounts()[.pending] == 1)
        #expect(try await store.count("job_attempts") == 0)
        world.host.runners["fixture-scripted"]?.controlBreaker(.reset, reason: "test")
        try await Self.dispatch(world) { try await store.jobCounts()[.done, default: 0] == 1 }
        // Done at its first attempt: the job row is the record (no attempt row).
        #expect(try await store.count("job_attempts") == 0)
    }

    /// One plugin failing every call beside a healthy one: the healthy one receives every event
    /// while the failing one's breaker opens and its jobs are held, not burnt. (Its throughput
    /// ratio is a benchmark: `acuhook-bench dispatch-isolation`.)
    @Test func aFailingPluginNeitherStopsNorStarvesAHealthyOne() async throws {
        var failing = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        failing.events = [.prefix("Fixture.")]
        var healthy = PluginSettings(path: FixturePlugins.path("FixtureNoop"))
        healthy.events = [.prefix("Fixture.")]
        let world = try Self.makeWorld(extraPlugins: [failing, healthy], retryAttempts: 8)
        let events = (0..<300).map { _ in
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: "retry", tenant: "", orderingKey: "", json: Array("{}".utf8))
        }
        try await Self.deliver(world, events)
        let noop = world.host.runners["fixture-noop"]!
        let scripted = world.host.runners["fixture-scripted"]!
        try await Self.dispatch(world) { noop.statistics.calls >= 300 }
        #expect(noop.statistics.calls == 300)
        #expect(noop.statistics.failures == 0)
        // The failing plugin tripped its breaker after a few calls; the rest were held, not attempted.
        #expect(scripted.statistics.calls < 300)
        #expect(scripted.statistics.notAttempted > 0)
        #expect(scripted.breakerState != .closed)
        // Nothing of the failing plugin is dead-lettered yet: held jobs spend no attempt.
        #expect(try await world.store.deadLetters().isEmpty)
        let counts = try await world.store.jobCounts()
        #expect(counts[.done] == 300)
        #expect(counts[.pending, default: 0] + counts[.running, default: 0] == 300)
    }

    /// The isolation acceptance test: a plugin in a worker process segfaults on every 10th event,
    /// a healthy plugin beside it receives every event, the faulty one's good events are
    /// delivered, its bad ones end in the dead-letter queue after their retries — and this
    /// process (the host) carries on throughout.
    @Test func aSegfaultingIsolatedPluginLosesOnlyItsBadEvents() async throws {
        var faulty = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        faulty.events = [.prefix("Fixture.")]
        faulty.isolation = .process
        faulty.maxConcurrency = 1
        faulty.breaker.openDuration = .milliseconds(100)
        faulty.breaker.maxOpenDuration = .milliseconds(200)
        var healthy = PluginSettings(path: FixturePlugins.path("FixtureNoop"))
        healthy.events = [.prefix("Fixture.")]
        let world = try Self.makeWorld(extraPlugins: [faulty, healthy], retryAttempts: 3)
        let events = (1...40).map { n in
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: n % 10 == 0 ? "segv" : "ok", tenant: "", orderingKey: "", json: Array("{}".utf8))
        }
        try await Self.deliver(world, events)
        let store = world.store
        try await Self.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.done, default: 0] == 76 && counts[.dead, default: 0] == 4
        }
        #expect(world.host.runners["fixture-noop"]!.statistics.calls == 40)
        let counts = try await store.jobCounts()
        #expect(counts[.done] == 76)  // 40 healthy + 36 good ones of the faulty plugin
        let dead = try await store.deadLetters()
        #expect(dead.count == 4)
        #expect(dead.allSatisfy { $0.plugin == "fixture-scripted" && $0.reason == .exhausted && $0.event.event.entityId == "segv" })
        // Each bad event was charged exactly its 3 attempts, each a crash with its signal (a call
        // that found the worker restarting waited, unattempted).
        let attempts = dead.flatMap(\.attempts)
        #expect(dead.allSatisfy { $0.attempts.count == 3 })
        #expect(attempts.allSatisfy { $0.outcome == .crashed && ($0.message ?? "").contains("SIGSEGV") })
        // Every crash restarted the worker (the last restart may still be on its way).
        let crashes = attempts.filter { $0.outcome == .crashed }.count
        let faultyRunner = try #require(world.host.runners["fixture-scripted"] as? GuardedPluginRunner<ContinuousClock, WorkerPoolTransport<ContinuousClock>>)
        let deadline = ContinuousClock.now + .seconds(10)
        while faultyRunner.restarts < crashes, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(faultyRunner.restarts >= crashes)
        try await world.host.shutdown()
    }

    /// Reloads while jobs flow: every job is handled exactly once, by whichever generation of
    /// the plugin was current when its call started.
    @Test func reloadsUnderLoadLoseAndRepeatNothing() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let store = try SQLiteEventStore(configuration: .init(path: dir.appendingPathComponent("acuhook.db").path), logger: Logger(label: "test"))
        func settings(_ generation: Int) -> PluginHostSettings {
            var plugin = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
            plugin.events = [.prefix("Fixture.")]
            plugin.configJSON = Array(#"{"generation":\#(generation)}"#.utf8)
            var settings = PluginHostSettings()
            settings.plugins = [plugin]
            return settings
        }
        let host = PluginHost(settings: settings(0), clock: ContinuousClock(), logger: Logger(label: "test"))
        var configuration = DispatchSettings()
        configuration.idlePoll = .milliseconds(20)
        let dispatcher = Dispatcher(store: store, host: host, configuration: configuration, logger: Logger(label: "test"))
        let world = World(store: store, host: host, dispatcher: dispatcher, dir: dir)
        let events = (0..<200).map { _ in
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: "sleep:3", tenant: "", orderingKey: "", json: Array("{}".utf8))
        }
        try await Self.deliver(world, events)
        let seen = Mutex<[ObjectIdentifier: any PluginRunner]>([:])
        func remember() {
            if let runner = host.runners["fixture-scripted"] { seen.withLock { $0[ObjectIdentifier(runner as AnyObject)] = runner } }
        }
        remember()
        let reloads = Task {
            // The first generation works before the first reload…
            while try await store.jobCounts()[.done, default: 0] < 20 { try await Task.sleep(for: .milliseconds(5)) }
            for generation in 1...6 {
                let report = await host.reload(settings(generation), copiesDirectory: dir.appendingPathComponent("copies"))
                #expect(report.applied && report.replaced == ["fixture-scripted"])
                remember()
                // …and jobs stored after a reload applied can only run on a later one.
                if generation == 1 { try await Self.deliver(world, events) }
                try await Task.sleep(for: .milliseconds(40))
            }
        }
        try await Self.dispatch(world) { try await store.jobCounts()[.done, default: 0] == 400 }
        try await reloads.value
        let runners = seen.withLock { Array($0.values) }
        #expect(runners.count == 7)
        // Exactly one call per job over all generations: nothing lost, nothing repeated.
        #expect(runners.reduce(0) { $0 + $1.statistics.calls } == 400)
        #expect(try await store.count("job_attempts") == 0)
        #expect(try await store.jobCounts() == [.done: 400])
        // More than one generation did real work.
        #expect(runners.filter { $0.statistics.calls > 0 }.count >= 2)
        try await host.shutdown()
    }

    @Test func aGracefulStopGivesUnstartedJobsBackAtOnce() async throws {
        var slow = PluginSettings(path: FixturePlugins.path("FixtureSerial"))
        slow.events = [.prefix("Fixture.")]
        let world = try Self.makeWorld(extraPlugins: [slow])
        try await Self.deliver(world, (0..<6).map { _ in
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: "sleep:300", tenant: "", orderingKey: "", json: Array("{}".utf8))
        })
        // Stop while the first call runs: the serial plugin has five more claimed and waiting.
        try await Self.dispatch(world) { world.host.runners["fixture-serial"]!.statistics.inFlight == 1 }
        // The call in flight finishes (a loaded machine may start one more before the stop lands);
        // every job not started is pending again at once — none is left leased.
        let counts = try await world.store.jobCounts()
        let done = counts[.done, default: 0], pending = counts[.pending, default: 0]
        #expect(done >= 1 && pending >= 1 && done + pending == 6)
        #expect(counts[.running] == nil)
        // Given back without an attempt: the next claim is their first attempt, due now.
        let next = try await world.store.claimJobs(perPlugin: ["fixture-serial": 10], lease: .seconds(60), nowUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        #expect(next.count == pending && next.allSatisfy { $0.attempt == 1 })
    }

    @Test func jobsOfADeadDispatcherAreReclaimedAfterTheirLease() async throws {
        let world = try Self.makeWorld()
        try await Self.deliver(world, [Self.guideEvent("Customer.Updated", id: "C9", data: #"{"CustomerID":{"value":"C9"}}"#)])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let first = try await world.store.claimJobs(plugins: ["customer-sync"], limit: 10, lease: .seconds(30), nowUnixMilliseconds: now)
        #expect(first.count == 1)
        // The claimant "dies": nothing completes the job. Within the lease nobody else gets it…
        #expect(try await world.store.claimJobs(plugins: ["customer-sync"], limit: 10, lease: .seconds(30), nowUnixMilliseconds: now + 29_000).isEmpty)
        // …after it, the job is claimed again, with the same attempt number (none was recorded).
        let second = try await world.store.claimJobs(plugins: ["customer-sync"], limit: 10, lease: .seconds(30), nowUnixMilliseconds: now + 31_000)
        #expect(second.map(\.id) == first.map(\.id) && second.first?.attempt == 1)
    }
}
