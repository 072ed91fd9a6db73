// acuhook-bench: measurements run by hand (see Benchmarks/README.md). Not a test: it asserts
// nothing and its numbers depend on the machine; it prints ratios against a reference measured
// in the same run.
import AcuhookTesting
import AcuhookCore
import AcuhookPluginHost
import Foundation
import Logging

/// A Swift no-op handler called directly: the reference the ABI path is compared with.
final class DirectNoop: @unchecked Sendable {
    @inline(never)
    func handle(_ event: PluginEvent, attempt: Int) -> PluginCallResult {
        PluginCallResult(outcome: .ok)
    }
}

/// Median nanoseconds per call of `body`, over `rounds` rounds of `iterations` calls.
func measure(rounds: Int, iterations: Int, _ body: () -> Bool) -> Double {
    var perCall: [Double] = []
    for _ in 0..<rounds {
        var ok = 0
        let start = ContinuousClock.now
        for _ in 0..<iterations where body() { ok += 1 }
        let elapsed = start.duration(to: .now)
        precondition(ok == iterations, "a call did not return OK")
        let ns = elapsed.inSeconds * 1e9
        perCall.append(ns / Double(iterations))
    }
    return perCall.sorted()[rounds / 2]
}

/// Runs the ABI benchmark with `iterations` calls per round.
func runABIBenchmark(iterations: Int) {
    let rounds = 7
    let logger = Logger(label: "bench")

    let json = Array(
        #"{"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"CUST001","tenantId":"MyCompany","userId":"admin","data":{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Updated Customer Name"},"Status":{"value":"Active"}},"changes":[{"field":"CustomerName","oldValue":"Old Customer Name","newValue":"Updated Customer Name"}],"metadata":{"source":"WebUI","correlationId":"12345-67890-abcdef"}}"#.utf8
    )
    let event = PluginEvent(
        eventType: "Customer.Updated", entityType: "Customer", entityId: "CUST001", deliveryId: "12345-67890-abcdef",
        tenant: "MyCompany", receivedAtUnixMilliseconds: 1_705_314_600_000, json: json
    )

    func load(_ product: String) -> PluginInstance {
        do {
            let image = try PluginLoader.load(path: FixturePlugins.path(product), logger: logger)
            return try PluginInstance(image: image, configJSON: Array("{}".utf8), logger: logger)
        } catch {
            fatalError("\(error)")
        }
    }

    let cNoop = load("FixtureNoop")
    let swiftNoop = load("FixtureSwiftNoop")
    let direct = DirectNoop()

    print("ABI call cost: marshal event + call handle + read result, \(rounds) rounds × \(iterations) calls, median per call")
    let reference = measure(rounds: rounds, iterations: iterations) { direct.handle(event, attempt: 1).outcome == .ok }
    let viaC = measure(rounds: rounds, iterations: iterations) { cNoop.invoke(event, attempt: 1).outcome == .ok }
    let viaSwift = measure(rounds: rounds, iterations: iterations) { swiftNoop.invoke(event, attempt: 1).outcome == .ok }
    func row(_ name: String, _ ns: Double) {
        print("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%7.1f ns  (%.1f× direct)", ns, ns / reference))
    }
    row("direct Swift call (reference)", reference)
    row("ABI → C no-op plugin (FixtureNoop)", viaC)
    row("ABI → Swift no-op plugin (FixtureSwiftNoop)", viaSwift)
    print(String(format: "  ABI overhead over the direct call: %.1f ns (C plugin), %.1f ns (Swift plugin); goal ≤ 250 ns per event", viaC - reference, viaSwift - reference))

}
