@testable import AcuhookPluginHost
import AcuhookTesting
import Synchronization
import Testing

/// One watcher keeps the timeouts of a transport's calls: each call expires once, at its
/// deadline on the injected clock, unless it was removed first.
@Suite struct CallDeadlinesTests {
    /// Expired call ids, in the order their expiries ran.
    final class Expired: Sendable {
        private let ids = Mutex<[UInt64]>([])
        func record(_ id: UInt64) { ids.withLock { $0.append(id) } }
        var all: [UInt64] { ids.withLock { $0 } }
    }

    /// Advances `clock` by `step` until `done` holds (the watcher runs on its own task).
    private func advance(_ clock: ManualClock, by step: Duration, until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        repeat {
            clock.advance(by: step)
            for _ in 0..<50 where !done() { try await Task.sleep(for: .milliseconds(2)) }
        } while !done() && ContinuousClock.now < deadline
    }

    @Test func aCallExpiresAtItsDeadlineAndARemovedOneNever() async throws {
        let clock = ManualClock()
        let deadlines = CallDeadlines(clock: clock)
        let expired = Expired()
        deadlines.add(1, timeout: .seconds(1)) { expired.record(1) }
        deadlines.add(2, timeout: .seconds(1)) { expired.record(2) }
        deadlines.remove(2)
        clock.advance(by: .milliseconds(999))
        try await Task.sleep(for: .milliseconds(50))
        #expect(expired.all.isEmpty)
        try await advance(clock, by: .milliseconds(1)) { expired.all == [1] }
        #expect(expired.all == [1])
        #expect(deadlines.count == 0)
        clock.advance(by: .seconds(10))
        try await Task.sleep(for: .milliseconds(50))
        #expect(expired.all == [1])
    }

    @Test func callsOfOneTimeoutShareOneWatcher() async throws {
        let clock = ManualClock()
        let deadlines = CallDeadlines(clock: clock)
        let expired = Expired()
        // Calls starting 100 ms apart, each ending before its 1 s timeout but the last.
        for id in UInt64(1)...20 {
            deadlines.add(id, timeout: .seconds(1)) { expired.record(id) }
            if id > 1 { deadlines.remove(id - 1) }
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(2))
        }
        try await advance(clock, by: .milliseconds(100)) { expired.all == [20] }
        #expect(expired.all == [20])
        #expect(deadlines.watchersStarted == 1)
        // Idle, the watcher has ended; the next call starts another.
        deadlines.add(21, timeout: .seconds(1)) { expired.record(21) }
        try await advance(clock, by: .milliseconds(500)) { expired.all == [20, 21] }
        #expect(deadlines.watchersStarted == 2)
    }

    @Test func anEarlierDeadlineReplacesTheWatcher() async throws {
        let clock = ManualClock()
        let deadlines = CallDeadlines(clock: clock)
        let expired = Expired()
        deadlines.add(1, timeout: .seconds(30)) { expired.record(1) }
        // Let the watcher pick its 30 s target before the shorter call arrives.
        try await Task.sleep(for: .milliseconds(50))
        deadlines.add(2, timeout: .seconds(1)) { expired.record(2) }
        try await advance(clock, by: .milliseconds(250)) { expired.all == [2] }
        #expect(expired.all == [2])
        try await advance(clock, by: .seconds(1)) { expired.all == [2, 1] }
        #expect(expired.all == [2, 1])
    }
}
