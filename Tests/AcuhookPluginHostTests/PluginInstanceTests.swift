import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

@Suite struct PluginInstanceTests {
    @Test func mapsEveryStatusAndCarriesMessages() throws {
        let plugin = try makeInstance("FixtureScripted")
        #expect(plugin.invoke(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1).outcome == .ok)
        #expect(plugin.invoke(seedEvent(type: "Fixture.Test", entityId: "skip"), attempt: 1).outcome == .skipped)
        let retry = plugin.invoke(seedEvent(type: "Fixture.Test", entityId: "retry"), attempt: 2)
        #expect(retry.outcome == .retry && retry.message == "downstream unavailable (fixture)")
        let reject = plugin.invoke(seedEvent(type: "Fixture.Test", entityId: "reject"), attempt: 1)
        #expect(reject.outcome == .rejected && reject.message == "bad data (fixture)")
    }

    @Test func garbageStatusIsAFailureNotAnOutcome() throws {
        let plugin = try makeInstance("FixtureScripted")
        let garbage = plugin.invoke(seedEvent(type: "Fixture.Test", entityId: "garbage"), attempt: 1)
        #expect(garbage.outcome == .failed(.invalidStatus(77)))
        #expect(garbage.message?.contains("not an acuhook_status") == true)
    }

    @Test func derivedEventsAreCopiedValidatedAndKeptOnlyOnOK() throws {
        let plugin = try makeInstance("FixtureScripted")
        let parent = seedEvent(type: "Fixture.Test", entityId: "emit")
        let emitted = plugin.invoke(parent, attempt: 1)
        #expect(emitted.outcome == .ok)
        #expect(emitted.output.map { String(decoding: $0, as: UTF8.self) } == "emit=0")
        let derived = try #require(emitted.derived.first)
        #expect(derived.eventType == "Fixture.Derived")
        #expect(derived.entityType == "Fixture")
        #expect(derived.entityId == "emit")  // defaults to the parent's
        #expect(String(decoding: derived.dataJSON, as: UTF8.self) == #"{"from":"fixture"}"#)
        #expect(derived.derivationDepth == 1)

        let bad = plugin.invoke(seedEvent(type: "Fixture.Test", entityId: "emit-bad"), attempt: 1)
        #expect(bad.output.map { String(decoding: $0, as: UTF8.self) } == "emit=1")  // ACUHOOK_EMIT_INVALID
        #expect(bad.derived.isEmpty)
    }

    @Test func derivationDepthIsBounded() throws {
        let plugin = try makeInstance("FixtureScripted")
        let deep = PluginEvent(eventType: "Fixture.Test", entityId: "emit", json: Array("{}".utf8), derivationDepth: 4)
        let result = plugin.invoke(deep, attempt: 1)
        #expect(result.output.map { String(decoding: $0, as: UTF8.self) } == "emit=2")  // ACUHOOK_EMIT_REFUSED
        #expect(result.derived.isEmpty)
    }

    @Test func eventFieldsCrossTheABIIntact() throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let file = dir.appendingPathComponent("stock.tsv").path
        let plugin = try makeInstance("StockLog", config: #"{"path":"\#(file)"}"#)
        let event = PluginEvent(
            eventType: "StockItem.Updated",
            entityType: "StockItem",
            entityId: "WIDGET01",
            deliveryId: "d-9",
            tenant: "MyTenant",
            receivedAtUnixMilliseconds: 1_700_000_000_123,
            json: Array("{}".utf8)
        )
        #expect(plugin.invoke(event, attempt: 3).outcome == .ok)
        let line = try String(contentsOfFile: file, encoding: .utf8)
        #expect(line == "1700000000123\tStockItem.Updated\tMyTenant\tWIDGET01\t3\n")
    }

    @Test func customerSyncWritesTheCRMShape() throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let file = dir.appendingPathComponent("customers.jsonl").path
        let plugin = try makeInstance("CustomerSync", config: #"{"output":"\#(file)"}"#)
        let data = #"{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Updated Customer Name"},"Status":{"value":"Active"}}"#
        #expect(plugin.invoke(seedEvent(type: "Customer.Updated", entityId: "CUST001", data: data), attempt: 1).outcome == .ok)
        let line = try String(contentsOfFile: file, encoding: .utf8)
        #expect(line == #"{"id":"CUST001","lastModified":"2024-01-15T10:30:00Z","name":"Updated Customer Name","status":"Active"}"# + "\n")
        let noId = PluginEvent(eventType: "Customer.Updated", json: Array(#"{"data":{}}"#.utf8))
        let rejected = plugin.invoke(noId, attempt: 1)
        #expect(rejected.outcome == .rejected && rejected.message?.contains("no CustomerID") == true)

        // A batch (the kit's AcuhookBatchHandler): one result per event, the good lines appended in order.
        let batch = [
            PluginCall(seedEvent(type: "Customer.Updated", entityId: "C2", data: #"{"CustomerName":{"value":"Two"}}"#), attempt: 1),
            PluginCall(noId, attempt: 1),
            PluginCall(seedEvent(type: "Customer.Created", entityId: "C3", data: #"{"CustomerID":"C3"}"#), attempt: 2),
        ]
        let results = plugin.invoke(batch, asBatch: true)
        #expect(results.map(\.outcome) == [.ok, .rejected, .ok])
        #expect(results[1].message?.contains("no CustomerID") == true)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(lines.map { String($0.prefix(11)) } == [#"{"id":"C2","#, #"{"id":"C3","#])
    }

    @Test func orderThresholdSkipsSmallOrdersAndEmitsForLargeOnes() throws {
        let plugin = try makeInstance("OrderThreshold", config: #"{"order_total":1000}"#)
        let small = plugin.invoke(seedEvent(type: "SalesOrder.Inserted", entityId: "SO1", data: #"{"OrderTotal":{"value":999.99}}"#), attempt: 1)
        #expect(small.outcome == .skipped && small.derived.isEmpty)
        let large = plugin.invoke(
            seedEvent(type: "SalesOrder.Inserted", entityId: "SO2", data: #"{"OrderNbr":{"value":"SO2"},"OrderTotal":{"value":"1500"}}"#),
            attempt: 1
        )
        #expect(large.outcome == .ok)
        let derived = try #require(large.derived.first)
        #expect(derived.eventType == "SalesOrder.LargeOrder" && derived.entityId == "SO2")
        let body = try JSONSerialization.jsonObject(with: Data(derived.dataJSON)) as? [String: Any]
        #expect(body?["OrderTotal"] as? Double == 1500 && body?["OrderNbr"] as? String == "SO2")
        let missing = plugin.invoke(seedEvent(type: "SalesOrder.Updated", entityId: "SO3"), attempt: 1)
        #expect(missing.outcome == .rejected)
        let own = plugin.invoke(seedEvent(type: "SalesOrder.LargeOrder", entityId: "SO2"), attempt: 1)
        #expect(own.outcome == .skipped)
    }

    @Test func pluginLogLinesCarryThePluginName() throws {
        let store = RecordingLogHandler.Store()
        let plugin = try makeInstance("StockLog", logger: RecordingLogHandler.logger(store))
        _ = plugin.invoke(seedEvent(type: "StockItem.Updated", entityId: "W1"), attempt: 1)
        let line = try #require(store.all.first { $0.message == "plugin log" })
        #expect(line.metadata["acuhook.plugin"] == "stock-log")
        #expect(line.metadata["acuhook.plugin.message"]?.contains("StockItem.Updated") == true)
    }
}
