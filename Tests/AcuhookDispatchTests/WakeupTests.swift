@testable import AcuhookDispatch
import Synchronization
import Testing

/// The dispatcher's sleep: woken by a signal or by its timeout, with one timer task shared by
/// every wait.
@Suite struct WakeupTests {
    final class Flag: Sendable {
        private let value = Atomic(false)
        func set() { value.store(true, ordering: .sequentiallyConsistent) }
        var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    }

    /// Waits on `wakeup` in a child task and signals it until that wait has returned (a signal
    /// sent before it waits is remembered too); returns whether it did.
    @discardableResult
    private static func waitAndSignal(_ wakeup: Wakeup, timeout: Duration) async -> Bool {
        let woken = Flag()
        await withDiscardingTaskGroup { group in
            group.addTask {
                await wakeup.wait(upTo: timeout)
                woken.set()
            }
            while !woken.isSet {
                wakeup.signal()
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return woken.isSet
    }

    @Test func aSignalSentBeforeTheWaitIsRemembered() async {
        let wakeup = Wakeup()
        wakeup.signal()
        let start = ContinuousClock.now
        await wakeup.wait(upTo: .seconds(60))
        #expect(start.duration(to: .now) < .seconds(30))
    }

    @Test func aSignalWakesTheWaiter() async {
        let wasWoken = await Self.waitAndSignal(Wakeup(), timeout: .seconds(60))
        #expect(wasWoken)
    }

    @Test func withoutASignalTheWaitEndsAtItsTimeout() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        await wakeup.wait(upTo: .milliseconds(50))
        #expect(start.duration(to: .now) >= .milliseconds(50))
    }

    @Test func manySignalledWaitsThenAQuietOneStillTimesOut() async {
        // The shared timer sleeps on to later deadlines; after many short-lived waits, a wait
        // nobody signals still ends.
        let wakeup = Wakeup()
        for _ in 0..<2_000 {
            wakeup.signal()
            await wakeup.wait(upTo: .milliseconds(40))
        }
        let start = ContinuousClock.now
        await wakeup.wait(upTo: .milliseconds(40))
        #expect(start.duration(to: .now) >= .milliseconds(40))
    }

    @Test func aShorterTimeoutAfterALongerOneIsHonoured() async {
        let wakeup = Wakeup()
        // A waiter with a long timeout, woken by a signal: its timer keeps sleeping.
        await Self.waitAndSignal(wakeup, timeout: .seconds(600))
        // Drain a signal the loop above may have left.
        await wakeup.wait(upTo: .milliseconds(1))
        let start = ContinuousClock.now
        await wakeup.wait(upTo: .milliseconds(50))
        #expect(start.duration(to: .now) < .seconds(300))
    }
}
