import Foundation
import Synchronization

/// A one-line progress bar on standard error, drawn only when it is a terminal (so logs and
/// pipes get no carriage returns). Redraws at most ten times a second.
final class ProgressBar: Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let state = Mutex((lastDraw: ContinuousClock.now - .seconds(1), drawn: false))

    init(label: String) { self.label = label }

    /// Shows `done` of `total`.
    func update(done: Int, total: Int) {
        guard enabled, total > 0 else { return }
        let draw = state.withLock { state -> Bool in
            let now = ContinuousClock.now
            guard done == total || now - state.lastDraw >= .milliseconds(100) else { return false }
            state.lastDraw = now
            state.drawn = true
            return true
        }
        guard draw else { return }
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) (\(100 * done / total)%)".utf8))
    }

    /// Ends the line, if one was drawn.
    func finish() {
        if state.withLock({ $0.drawn }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
