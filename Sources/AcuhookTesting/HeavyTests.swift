/// Tests that load the whole machine (thousands of hostile connections, a browser, a stream of
/// command processes) take turns: each runs alone among them, so that none judges its server
/// under another one's load. Other tests still run beside them.
public actor HeavyTests {
    private static let shared = HeavyTests()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` once no other heavy test runs.
    public static func oneAtATime<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
