import AcuhookCore
import AcuhookPluginHost
import Testing

/// The worker protocol's frames: every message round-trips; broken frames are refused.
@Suite struct WorkerCodecTests {
    func roundTrip(_ message: WorkerMessage) throws -> WorkerMessage {
        let frame = WorkerCodec.frame(message)
        let length = try WorkerCodec.payloadLength(frame.prefix(4))
        #expect(length == frame.count - 4)
        return try WorkerCodec.decode(Array(frame.dropFirst(4)))
    }

    @Test func everyMessageRoundTrips() throws {
        let event = WorkerEvent(seedEvent(type: "SalesOrder.Created", entityId: "SO-1 ✓", data: #"{"OrderTotal":{"value":1500}}"#))
        let messages: [WorkerMessage] = [
            .hello(WorkerHello(name: "p", version: "1.0", threadSafe: true)),
            .hello(WorkerHello(name: "", version: "", threadSafe: false, error: "create failed: no config")),
            .call(id: 42, asBatch: false, calls: [WorkerCall(attempt: 3, event: event)]),
            .call(id: 43, asBatch: true, calls: [WorkerCall(attempt: 1, event: event), WorkerCall(attempt: 2, event: event)]),
            .reply(id: 42, [PluginCallResult(outcome: .ok, output: Array("done".utf8), derived: [
                DerivedEvent(eventType: "SalesOrder.LargeOrder", entityType: "SalesOrder", entityId: "SO-1", dataJSON: Array("{}".utf8), derivationDepth: 1),
            ])]),
            .reply(id: 7, [PluginCallResult(outcome: .rejected, message: "bad data")]),
            .reply(id: 8, [PluginCallResult(outcome: .failed(.invalidStatus(77)))]),
            .reply(id: 9, [PluginCallResult(outcome: .failed(.invalidResult), message: nil, output: [])]),
            .reply(id: 10, [PluginCallResult(outcome: .ok), PluginCallResult(outcome: .retry, message: "later"), PluginCallResult(outcome: .skipped)]),
        ]
        for message in messages {
            #expect(try roundTrip(message) == message)
        }
        // The event keeps every field of the C ABI's acuhook_event.
        guard case .call(_, _, let calls) = try roundTrip(.call(id: 1, asBatch: false, calls: [WorkerCall(attempt: 1, event: event)])),
            let decoded = calls.first?.event
        else { Issue.record("not a call"); return }
        #expect(decoded.pluginEvent.entityId == "SO-1 ✓")
        #expect(decoded.pluginEvent.receivedAtUnixMilliseconds == 1_705_314_600_000)
        #expect(Array(decoded.pluginEvent.json) == event.json)
    }

    @Test func brokenFramesAreRefused() throws {
        let frame = WorkerCodec.frame(.reply(id: 1, [PluginCallResult(outcome: .ok, message: "m")]))
        let payload = Array(frame.dropFirst(4))
        #expect(throws: WorkerCodec.DecodingError.self) { try WorkerCodec.decode(Array(payload.dropLast())) }
        #expect(throws: WorkerCodec.DecodingError.self) { try WorkerCodec.decode(payload + [0]) }
        #expect(throws: WorkerCodec.DecodingError.self) { try WorkerCodec.decode([99]) }
        #expect(throws: WorkerCodec.DecodingError.self) { try WorkerCodec.decode(Array("garbage on stdout\n".utf8)) }
        #expect(throws: WorkerCodec.DecodingError.self) { try WorkerCodec.payloadLength([0xFF, 0xFF, 0xFF, 0x7F]) }
    }
}
