import Foundation
import Synchronization

/// Bulk actions running in the background (a replay of thousands of dead letters), with their
/// progress, for the console's progress page. The last 100 are kept.
///
/// - Important: Thread-safe.
final class BulkTasks: Sendable {
    /// One task as the progress page shows it.
    struct State: Sendable {
        var verb: String
        var done = 0
        var total = 0
        /// Set when it ended: what it did, or why it failed.
        var result: String?
        /// Where to go afterwards.
        var back: String
    }

    private let tasks = Mutex<(states: [String: State], order: [String])>(([:], []))

    /// Starts `work`, which reports progress through its argument and returns its result line.
    func start(verb: String, back: String, _ work: @escaping @Sendable (_ progress: @escaping @Sendable (Int, Int) -> Void) async throws -> String) -> String {
        let id = UUID().uuidString.lowercased()
        tasks.withLock { tasks in
            tasks.states[id] = State(verb: verb, back: back)
            tasks.order.append(id)
            if tasks.order.count > 100 { tasks.states[tasks.order.removeFirst()] = nil }
        }
        Task {
            let result: String
            do {
                result = try await work { done, total in self.update(id) { $0.done = done; $0.total = total } }
            } catch {
                result = "Stopped: \(error)"
            }
            self.update(id) { $0.result = result }
        }
        return id
    }

    /// A task's state; nil for an unknown id.
    func state(_ id: String) -> State? { tasks.withLock { $0.states[id] } }

    private func update(_ id: String, _ change: (inout State) -> Void) {
        tasks.withLock { tasks in
            if var state = tasks.states[id] {
                change(&state)
                tasks.states[id] = state
            }
        }
    }
}
