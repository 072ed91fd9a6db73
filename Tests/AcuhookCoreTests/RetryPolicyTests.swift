import AcuhookCore
import Testing

@Suite struct RetryPolicyTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let policy = RetryPolicy()
        #expect(policy.baseDelay == .seconds(1) && policy.factor == 2 && policy.maxDelay == .seconds(600) && policy.maxAttempts == 8 && policy.jitter == .full)
    }

    @Test func exponentialBackoffIsCappedAndAttemptsBounded() {
        var policy = RetryPolicy()
        policy.jitter = .none
        policy.maxDelay = .seconds(30)
        let delays = (1...7).map { policy.decide(afterAttempt: $0, previousDelay: nil, random: { 0.5 }) }
        #expect(delays == [.retry(after: .seconds(1)), .retry(after: .seconds(2)), .retry(after: .seconds(4)), .retry(after: .seconds(8)), .retry(after: .seconds(16)), .retry(after: .seconds(30)), .retry(after: .seconds(30))])
        #expect(policy.decide(afterAttempt: 8, previousDelay: nil, random: { 0.5 }) == .giveUp)
    }

    @Test func fullJitterDrawsBetweenZeroAndTheBackoff() {
        let policy = RetryPolicy()
        #expect(policy.decide(afterAttempt: 3, previousDelay: nil, random: { 0 }) == .retry(after: .zero))
        #expect(policy.decide(afterAttempt: 3, previousDelay: nil, random: { 0.5 }) == .retry(after: .seconds(2)))
        #expect(policy.decide(afterAttempt: 3, previousDelay: nil, random: { 0.999 }) == .retry(after: .milliseconds(3996)))
    }

    @Test func decorrelatedJitterGrowsFromThePreviousDelay() {
        var policy = RetryPolicy()
        policy.jitter = .decorrelated
        #expect(policy.decide(afterAttempt: 1, previousDelay: nil, random: { 1 }) == .retry(after: .seconds(3)))
        #expect(policy.decide(afterAttempt: 2, previousDelay: .seconds(3), random: { 1 }) == .retry(after: .seconds(9)))
        #expect(policy.decide(afterAttempt: 2, previousDelay: .seconds(3), random: { 0 }) == .retry(after: .seconds(1)))
        #expect(policy.decide(afterAttempt: 5, previousDelay: .seconds(500), random: { 1 }) == .retry(after: .seconds(600)))
    }
}
