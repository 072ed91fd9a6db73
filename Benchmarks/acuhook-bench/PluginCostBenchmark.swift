import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging

/// CPU per call of real plugins: each `.so` is loaded as the host loads it and called `calls`
/// times per round on a ~1 KB guide-format `Customer.Updated` event (the receive benchmark's
/// body), its config `{"output": <a temporary file>}`. The CPU is this thread's
/// (`CLOCK_THREAD_CPUTIME_ID`, so the kernel's work for a `write(2)` counts, other threads'
/// not); the median of 7 rounds is printed per plugin, with its ratio to the first one named
/// (the reference, e.g. the Swift no-op fixture).
func runPluginCostBenchmark(calls: Int, plugins: [String]) throws {
    let logger = Logger(label: "bench")
    let folder = try FixturePlugins.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var data = #"{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Benchmark Customer"},"Status":{"value":"Active"}"#
    var attribute = 0
    while data.utf8.count < 860 {
        data += #","Attribute\#(attribute)":{"value":"some attribute value"}"#
        attribute += 1
    }
    let json = Array(
        #"{"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"CUST001","tenantId":"MyCompany","data":\#(data)},"metadata":{"source":"WebUI","correlationId":"bench"}}"#.utf8
    )
    let event = PluginEvent(
        eventType: "Customer.Updated", entityType: "Customer", entityId: "CUST001", deliveryId: "bench",
        tenant: "MyCompany", receivedAtUnixMilliseconds: 1_705_314_600_000, json: json
    )
    print("plugin CPU per call: \(json.count)-byte Customer.Updated event, 7 rounds × \(calls) calls, this thread's CPU, median")
    var reference: Double?
    for (index, path) in plugins.enumerated() {
        let output = folder.appendingPathComponent("out\(index).jsonl").path
        let config = Array(#"{"output":"\#(output)"}"#.utf8)
        let image = try PluginLoader.load(path: path, logger: logger)
        let plugin = try PluginInstance(image: image, configJSON: config, logger: logger)
        for _ in 0..<min(calls, 1_000) { _ = plugin.invoke(event, attempt: 1) }
        var rounds: [Double] = []
        for _ in 0..<7 {
            let start = threadCPUNanoseconds()
            for _ in 0..<calls {
                let result = plugin.invoke(event, attempt: 1)
                precondition(result.outcome == .ok, "\(path): \(result.outcome) \(result.message ?? "")")
            }
            rounds.append(Double(threadCPUNanoseconds() - start) / Double(calls) / 1_000)
            // Keep the file small: the page cache, not the disk, is what a line costs.
            _ = truncate(output, 0)
        }
        let median = rounds.sorted()[3]
        let ratio = reference.map { String(format: " (%.1f× the reference)", median / $0) } ?? " (reference)"
        if reference == nil { reference = median }
        let name = "\(image.name) (\(URL(fileURLWithPath: path).lastPathComponent))".padding(toLength: 52, withPad: " ", startingAt: 0)
        print("  " + name + String(format: "%8.2f µs", median) + ratio)
    }
}

/// This thread's CPU time so far, in nanoseconds.
private func threadCPUNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}
