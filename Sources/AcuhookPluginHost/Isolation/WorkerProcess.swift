import AcuhookCore
import Foundation
import Logging
import Synchronization

/// One running `acuhook plugin-worker` process and the calls in flight in it.
///
/// A reader thread takes replies off the worker's stdout and settles their calls; another
/// forwards the worker's stderr to the log, a line at a time, with the plugin's name. When the
/// stream ends — the worker exited, crashed, was killed, or wrote something that is not a frame —
/// every call still in flight ends as a crash and ``onEnd`` is called once with the reason.
final class WorkerProcess: Sendable {
    /// How a call ended, seen from the host.
    enum Outcome: Sendable {
        /// How each event of the call ended, as the worker reported it.
        case reply([PluginCallResult])
        /// The worker ended during the call; `alone`: this was its only call and the host did
        /// not kill it, so the call caused the end.
        case ended(String, alone: Bool)
        case timedOut
        /// The worker had already ended: the call was never sent (try another worker).
        case notSent
    }

    private struct State {
        var pending: [UInt64: CheckedContinuation<Outcome, Never>] = [:]
        var endReason: String?
        /// The host killed it (a call's timeout, shutdown): its other calls are not to blame.
        var killedByHost = false
    }

    private let process: Process
    private let stdinFD: Int32
    private let stdinHandle: FileHandle
    private let state = Mutex(State())
    private let writeLock = Mutex(())
    /// The worker's process id.
    let pid: Int32

    /// Starts `executable plugin-worker …` for the plugin at `path`.
    init(
        executable: String,
        arguments: [String],
        logger: Logger,
        onHello: @escaping @Sendable (WorkerHello) -> Void,
        onReply: @escaping @Sendable () -> Void,
        onEnd: @escaping @Sendable (WorkerProcess, String) -> Void
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A crashing plugin should end its worker at once: Swift's backtracer would hold the
        // dying process for seconds while it symbolicates.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        self.process = process
        self.pid = process.processIdentifier
        self.stdinHandle = input.fileHandleForWriting
        self.stdinFD = input.fileHandleForWriting.fileDescriptor
        let stdoutFD = output.fileHandleForReading.fileDescriptor
        let stdoutHandle = output.fileHandleForReading
        let stderrHandle = errors.fileHandleForReading

        let reader = Thread { [self] in
            var reason: String?
            while reason == nil {
                do {
                    guard let payload = try FileDescriptorIO.readFrame(stdoutFD) else { break }
                    switch try WorkerCodec.decode(payload) {
                    case .hello(let hello): onHello(hello)
                    case .reply(let id, let reply):
                        onReply()
                        settle(id, .reply(reply))
                    case .call: reason = "the worker sent a request"
                    }
                } catch {
                    reason = "\(error)"
                }
            }
            if reason != nil { kill() }
            process.waitUntilExit()
            let status = process.terminationStatus
            let how = process.terminationReason == .uncaughtSignal ? "was killed by signal \(status)\(Self.signalName(status))" : "exited with status \(status)"
            let ending = reason.map { "\($0); the worker \(how)" } ?? "the worker \(how)"
            _ = stdoutHandle
            // First take the worker out of service, then end its calls: a call made after this
            // must not pick it.
            state.withLock { $0.endReason = ending }
            onEnd(self, ending)
            endAll(ending)
        }
        reader.name = "acuhook-worker-reader"
        reader.start()

        var workerLogger = logger
        workerLogger[metadataKey: "acuhook.worker.pid"] = "\(process.processIdentifier)"
        let errorLogger = workerLogger
        let errorReader = Thread {
            var pending = Data()
            while true {
                let chunk = stderrHandle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    if !line.isEmpty { errorLogger.notice("plugin worker stderr", metadata: ["acuhook.worker.line": "\(line)"]) }
                }
            }
            if !pending.isEmpty {
                errorLogger.notice("plugin worker stderr", metadata: ["acuhook.worker.line": "\(String(decoding: pending, as: UTF8.self))"])
            }
        }
        errorReader.name = "acuhook-worker-stderr"
        errorReader.start()
    }

    /// Sends call `id` and waits for its end (a reply, the worker's end, or ``settle(_:_:)`` by a timeout).
    func call(id: UInt64, _ calls: [PluginCall], asBatch: Bool) async -> Outcome {
        let message = WorkerMessage.call(
            id: id, asBatch: asBatch, calls: calls.map { WorkerCall(attempt: Int32(clamping: $0.attempt), event: WorkerEvent($0.event)) }
        )
        let frame = WorkerCodec.frame(message)
        return await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> Bool in
                if state.endReason != nil { return true }
                state.pending[id] = continuation
                return false
            }
            if ended {
                continuation.resume(returning: .notSent)
                return
            }
            let written = writeLock.withLock { _ in FileDescriptorIO.write(stdinFD, frame) }
            if !written { settle(id, .notSent) }
        }
    }

    /// Ends call `id` with `outcome` unless it already ended; returns whether this did it.
    @discardableResult
    func settle(_ id: UInt64, _ outcome: Outcome) -> Bool {
        guard let continuation = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return false }
        continuation.resume(returning: outcome)
        return true
    }

    /// Calls in flight.
    var inFlight: Int { state.withLock { $0.pending.count } }

    /// Kills the worker (SIGKILL); its calls end when the reader sees the stream close.
    func kill() {
        state.withLock { $0.killedByHost = true }
        Glibc.kill(pid, SIGKILL)
    }

    /// Closes the worker's stdin: it finishes its calls and exits.
    func closeInput() {
        try? stdinHandle.close()
    }

    private func endAll(_ reason: String) {
        let (waiting, alone) = state.withLock { state -> ([CheckedContinuation<Outcome, Never>], Bool) in
            state.endReason = reason
            let waiting = Array(state.pending.values)
            state.pending.removeAll()
            return (waiting, waiting.count == 1 && !state.killedByHost)
        }
        for continuation in waiting { continuation.resume(returning: .ended(reason, alone: alone)) }
    }

    private static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: " (SIGSEGV)"
        case SIGABRT: " (SIGABRT)"
        case SIGKILL: " (SIGKILL)"
        case SIGBUS: " (SIGBUS)"
        case SIGILL: " (SIGILL)"
        case SIGFPE: " (SIGFPE)"
        default: ""
        }
    }
}
