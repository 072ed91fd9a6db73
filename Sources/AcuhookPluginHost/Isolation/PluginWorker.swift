import AcuhookCore
import Foundation
import Logging

/// The worker side of process isolation (`acuhook plugin-worker`): loads one plugin, then serves
/// calls framed on stdin with replies framed on stdout, until stdin closes.
///
/// Before loading, the protocol's descriptors are moved aside: the plugin's own stdout goes to
/// stderr (which the host logs) and its stdin reads `/dev/null`, so nothing a plugin prints can
/// corrupt the protocol. A thread-safe plugin is called on `concurrency` threads at once; any
/// other plugin one call at a time.
public enum PluginWorker {
    /// Serves until stdin closes; returns the process's exit status (1 when the plugin does not load).
    public static func run(path: String, configJSON: [UInt8], concurrency: Int, limits: PluginInstance.Limits, logger: Logger) -> Int32 {
        let input = dup(0)
        let output = dup(1)
        dup2(2, 1)
        let devNull = open("/dev/null", O_RDONLY)
        if devNull >= 0 { dup2(devNull, 0) }
        let writeLock = NSLock()
        @Sendable func send(_ message: WorkerMessage) {
            let frame = WorkerCodec.frame(message)
            writeLock.lock()
            let written = FileDescriptorIO.write(output, frame)
            writeLock.unlock()
            if !written { exit(0) }  // the host is gone
        }

        let instance: PluginInstance
        do {
            let image = try PluginLoader.load(path: path, logger: logger)
            instance = try PluginInstance(image: image, configJSON: configJSON, limits: limits, logger: logger)
        } catch {
            send(.hello(WorkerHello(name: "", version: "", threadSafe: false, error: "\(error)")))
            return 1
        }
        let image = instance.image
        send(.hello(WorkerHello(name: image.name, version: image.version, threadSafe: image.threadSafe)))

        let threads = image.threadSafe ? max(1, concurrency) : 1
        let queue = CallQueue()
        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let thread = Thread {
                while let (id, asBatch, calls) = queue.next() {
                    let results = instance.invoke(calls.map { PluginCall($0.event.pluginEvent, attempt: Int($0.attempt)) }, asBatch: asBatch)
                    send(.reply(id: id, results))
                }
                done.leave()
            }
            thread.name = "plugin-\(index)"
            thread.start()
        }
        while true {
            let payload: [UInt8]?
            do {
                payload = try FileDescriptorIO.readFrame(input)
            } catch {
                logger.error("worker: broken request stream; stopping", metadata: ["acuhook.error": "\(error)"])
                break
            }
            guard let payload else { break }
            guard case .call(let id, let asBatch, let calls) = try? WorkerCodec.decode(payload) else {
                logger.error("worker: unexpected request; stopping")
                break
            }
            queue.add((id, asBatch, calls))
        }
        queue.close()
        done.wait()
        return 0
    }
}

/// Calls waiting for a worker thread.
private final class CallQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [(UInt64, Bool, [WorkerCall])] = []
    private var head = 0
    private var closed = false

    func add(_ item: (UInt64, Bool, [WorkerCall])) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    func next() -> (UInt64, Bool, [WorkerCall])? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count, !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
