import AcuhookTesting
import Foundation
import Testing

/// `acuhook plugins run`: a real plugin file called on real events, no server.
@Suite struct PluginsRunTests {
    /// A guide-format body whose entity id tells the scripted fixture what to do.
    private func guideBody(_ entityId: String, in directory: URL) throws -> String {
        let body = #"{"eventType":"Fixture.Test","entityType":"Fixture","entityId":"\#(entityId)","data":{"note":"run"},"metadata":{"correlationId":"c"}}"#
        let file = directory.appendingPathComponent("\(entityId).json").path
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func aPushNotificationBecomesItsEventsAndEachIsCalled() async throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let file = directory.appendingPathComponent("push.json").path
        try #"{"Inserted":[{"InventoryID":"A1"},{"InventoryID":"B2"}],"Deleted":[],"Query":"Stock Items","Id":"t1","CompanyId":"C"}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await acuhook("plugins", "run", FixturePlugins.path("StockLog"), "--file", file)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stock-log 1.0.0 (ABI 1.1, in this process)"))
        #expect(result.stdout.contains("event 1 of 2: StockItem.Inserted (entity A1)"))
        #expect(result.stdout.contains("event 2 of 2: StockItem.Inserted (entity B2)"))
        #expect(result.stdout.components(separatedBy: "status    OK").count == 3)

        // --batch: both events in one handle_batch call, each answered on its own.
        let log = directory.appendingPathComponent("stock.tsv").path
        let batched = try await acuhook("plugins", "run", FixturePlugins.path("StockLog"), "--file", file, "--batch", "--config", #"{"path":"\#(log)"}"#)
        #expect(batched.status == 0, "\(batched.stderr)")
        #expect(batched.stdout.components(separatedBy: "status    OK").count == 3)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasSuffix("\tA1\t1") && lines[1].hasSuffix("\tB2\t1"))
    }

    @Test func emittedEventsOutputAndRepeatsArePrinted() async throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let emit = try await acuhook("plugins", "run", FixturePlugins.path("FixtureScripted"), "--file", try guideBody("emit", in: directory))
        #expect(emit.status == 0)
        #expect(emit.stdout.contains(#"emitted   Fixture.Derived (entity emit) {"from":"fixture"}"#))
        #expect(emit.stdout.contains("output    emit=0"))
        let repeated = try await acuhook("plugins", "run", FixturePlugins.path("FixtureScripted"), "--file", try guideBody("ok", in: directory), "--repeat", "25")
        #expect(repeated.status == 0)
        #expect(repeated.stdout.contains("repeated  25 calls: OK 25; p50 "))
    }

    @Test func anythingButOkOrSkipExitsNonZero() async throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let retry = try await acuhook("plugins", "run", FixturePlugins.path("FixtureScripted"), "--file", try guideBody("retry", in: directory))
        #expect(retry.status == 1)
        #expect(retry.stdout.contains("status    RETRY"))
        #expect(retry.stdout.contains("message   downstream unavailable (fixture)"))
        let skip = try await acuhook("plugins", "run", FixturePlugins.path("FixtureScripted"), "--file", try guideBody("skip", in: directory))
        #expect(skip.status == 0 && skip.stdout.contains("status    SKIP"))
        let garbage = try await acuhook("plugins", "run", FixturePlugins.path("FixtureScripted"), "--file", try guideBody("garbage", in: directory))
        #expect(garbage.status == 1 && garbage.stdout.contains("status    FAILED (invalidStatus(77))"))
    }

    @Test func isolatedACrashIsReportedNotSuffered() async throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let result = try await acuhook("plugins", "run", FixturePlugins.path("FixtureScripted"), "--file", try guideBody("segv", in: directory), "--isolated")
        #expect(result.status == 1)
        #expect(result.stdout.contains("fixture-scripted 0.1.0 (ABI 1.1, in a worker process)"))
        #expect(result.stdout.contains("status    FAILED (crashed)"))
        #expect(result.stdout.contains("message   the plugin's worker process ended during the call"))
    }

    @Test func unusableInputIsAClearErrorWithStatus2() async throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let notAPlugin = try await acuhook("plugins", "run", try guideBody("ok", in: directory), "--event", "Customer.Updated")
        #expect(notAPlugin.status == 2)
        #expect(notAPlugin.stderr.contains("not a loadable shared object"))
        let badJSON = directory.appendingPathComponent("bad.json").path
        try "{bad".write(toFile: badJSON, atomically: true, encoding: .utf8)
        let unparsable = try await acuhook("plugins", "run", FixturePlugins.path("StockLog"), "--file", badJSON)
        #expect(unparsable.status == 2)
        #expect(unparsable.stderr.contains("bad.json: body is not valid JSON"))
        #expect(unparsable.stderr.contains("the receiver would answer 400"))
        let badConfig = try await acuhook("plugins", "run", FixturePlugins.path("StockLog"), "--event", "StockItem.Updated", "--config", "[1]")
        #expect(badConfig.status == 2 && badConfig.stderr.contains("the plugin configuration must be a JSON object"))
        let refused = try await acuhook("plugins", "run", FixturePlugins.path("CustomerSync"), "--event", "Customer.Updated")
        #expect(refused.status == 2 && refused.stderr.contains("refused its configuration"))
        let both = try await acuhook("plugins", "run", FixturePlugins.path("StockLog"), "--event", "StockItem.Updated", "--file", badJSON)
        #expect(both.status != 0 && both.stderr.contains("give exactly one of --event TYPE and --file BODY.json"))
    }

    @Test func theSampleEventAndAConfigurationFileReachThePlugin() async throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let output = directory.appendingPathComponent("customers.jsonl").path
        let config = directory.appendingPathComponent("config.json").path
        try #"{"output":"\#(output)"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await acuhook("plugins", "run", FixturePlugins.path("CustomerSync"), "--event", "Customer.Updated", "--config", "@\(config)")
        #expect(result.status == 0, "\(result.stderr)")
        let written = try String(contentsOfFile: output, encoding: .utf8)
        #expect(written.contains(#""id":"CUST001""#) && written.contains(#""name":"Sample Customer""#))
    }
}
