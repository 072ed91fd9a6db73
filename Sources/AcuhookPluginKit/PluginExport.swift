import CAcuhookPlugin
import Synchronization

/// Builds the C descriptor for an ``AcuhookHandler`` and bridges the ABI's C calls to it; an
/// ``AcuhookBatchHandler`` also gets the batch entry (`handle_batch`, ABI 1.1).
public enum PluginExport {
    private struct Registration: @unchecked Sendable {
        let handler: any AcuhookHandler.Type
        let api: UnsafePointer<acuhook_host_api>
        let descriptor: UnsafePointer<acuhook_plugin_descriptor>
    }

    private final class Instance {
        let handler: any AcuhookHandler
        let api: UnsafePointer<acuhook_host_api>
        init(_ handler: any AcuhookHandler, api: UnsafePointer<acuhook_host_api>) {
            self.handler = handler
            self.api = api
        }
    }

    private static let registration = Mutex<Registration?>(nil)

    /// The body of a plugin's `acuhook_plugin_entry`: checks the host's ABI major and returns the
    /// descriptor for `handler` (built once, kept for the life of the process), or `nil` to refuse.
    public static func entry(
        host: UnsafePointer<acuhook_host_api>?,
        handler: any AcuhookHandler.Type
    ) -> UnsafePointer<acuhook_plugin_descriptor>? {
        guard let host else { return nil }
        guard host.pointee.abi_major == ACUHOOK_ABI_VERSION_MAJOR else {
            HostLink(api: host, handle: nil).log(
                .error,
                "refusing to load: plugin built for ABI \(ACUHOOK_ABI_VERSION_MAJOR).\(ACUHOOK_ABI_VERSION_MINOR), host is \(host.pointee.abi_major).\(host.pointee.abi_minor)"
            )
            return nil
        }
        return registration.withLock { registration in
            if let existing = registration { return existing.descriptor }
            let made = Registration(handler: handler, api: host, descriptor: makeDescriptor(handler.metadata, batches: handler is any AcuhookBatchHandler.Type))
            registration = made
            return made.descriptor
        }
    }

    private static func current() -> Registration {
        // Set by `entry` before the host can call anything else.
        registration.withLock { $0! }
    }

    /// A copy of `text` that lives for the rest of the process.
    private static func immortal(_ text: String) -> acuhook_str {
        let bytes = Array(text.utf8)
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
        bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { storage.update(from: $0.baseAddress!, count: bytes.count) }
        }
        return acuhook_str(ptr: storage, len: bytes.count)
    }

    private static func makeDescriptor(_ metadata: PluginMetadata, batches: Bool) -> UnsafePointer<acuhook_plugin_descriptor> {
        let subscriptions = UnsafeMutablePointer<acuhook_str>.allocate(capacity: max(metadata.subscriptions.count, 1))
        for (index, pattern) in metadata.subscriptions.enumerated() {
            (subscriptions + index).initialize(to: immortal(pattern))
        }
        let descriptor = UnsafeMutablePointer<acuhook_plugin_descriptor>.allocate(capacity: 1)
        descriptor.initialize(
            to: acuhook_plugin_descriptor(
                size: UInt32(MemoryLayout<acuhook_plugin_descriptor>.size),
                abi_major: UInt16(ACUHOOK_ABI_VERSION_MAJOR),
                abi_minor: UInt16(ACUHOOK_ABI_VERSION_MINOR),
                name: immortal(metadata.name),
                version: immortal(metadata.version),
                subscriptions: subscriptions,
                subscription_count: metadata.subscriptions.count,
                flags: metadata.threadSafe ? UInt64(ACUHOOK_PLUGIN_THREAD_SAFE) : 0,
                create: { hostHandle, config, outInstance, outError in
                    PluginExport.create(hostHandle, config, outInstance, outError)
                },
                handle: { instance, event, result in
                    PluginExport.handle(instance, event, result)
                },
                destroy: { instance in
                    guard let instance else { return }
                    Unmanaged<Instance>.fromOpaque(instance).release()
                },
                handle_batch: batches ? { instance, events, results, count in PluginExport.handleBatch(instance, events, results, count) } : nil
            )
        )
        return UnsafePointer(descriptor)
    }

    private static func create(
        _ hostHandle: OpaquePointer?,
        _ config: acuhook_str,
        _ outInstance: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
        _ outError: UnsafeMutablePointer<acuhook_buffer>?
    ) -> Int32 {
        let registration = current()
        do {
            let handler = try registration.handler.init(
                configuration: Array(UnsafeRawBufferPointer(config)),
                host: HostLink(api: registration.api, handle: hostHandle)
            )
            outInstance?.pointee = Unmanaged.passRetained(Instance(handler, api: registration.api)).toOpaque()
            return 0
        } catch {
            outError?.pointee = hostBuffer(Array(String(describing: error).utf8), api: registration.api)
            return 1
        }
    }

    private static func handle(
        _ instance: UnsafeMutableRawPointer?,
        _ event: UnsafePointer<acuhook_event>?,
        _ result: UnsafeMutablePointer<acuhook_result>?
    ) -> Int32 {
        guard let instance, let event else { return HandlerResult.Status.retry.rawValue }
        let box = Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue()
        let api = box.api
        let outcome = box.handler.handle(IncomingEvent(raw: event, api: api))
        if let result { fill(result, with: outcome, api: api) }
        return outcome.status.rawValue
    }

    private static func handleBatch(
        _ instance: UnsafeMutableRawPointer?,
        _ events: UnsafePointer<UnsafePointer<acuhook_event>?>?,
        _ results: UnsafePointer<UnsafeMutablePointer<acuhook_result>?>?,
        _ count: Int
    ) -> Int32 {
        guard let instance, let events, let results else { return HandlerResult.Status.retry.rawValue }
        let box = Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue()
        let api = box.api
        let incoming = (0..<count).map { IncomingEvent(raw: events[$0]!, api: api) }
        let outcomes: [HandlerResult]
        if let batchHandler = box.handler as? any AcuhookBatchHandler {
            outcomes = batchHandler.handle(incoming)
        } else {
            outcomes = incoming.map { box.handler.handle($0) }
        }
        // A result without an outcome keeps ACUHOOK_STATUS_UNSET: the host counts it as a failure.
        for (index, outcome) in zip(0..<count, outcomes) {
            guard let result = results[index] else { continue }
            fill(result, with: outcome, api: api)
            result.pointee.status = outcome.status.rawValue
        }
        return HandlerResult.Status.ok.rawValue
    }

    /// Hands `outcome`'s message and output to the host in `result`.
    private static func fill(_ result: UnsafeMutablePointer<acuhook_result>, with outcome: HandlerResult, api: UnsafePointer<acuhook_host_api>) {
        if let message = outcome.message { result.pointee.message = hostBuffer(Array(message.utf8), api: api) }
        if let output = outcome.output { result.pointee.output = hostBuffer(output, api: api) }
    }

    /// Copies `bytes` into memory from the host's allocator (the host frees it).
    private static func hostBuffer(_ bytes: [UInt8], api: UnsafePointer<acuhook_host_api>) -> acuhook_buffer {
        guard let memory = api.pointee.alloc(max(bytes.count, 1)) else { return acuhook_buffer(ptr: nil, len: 0) }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(memory).copyMemory(from: source.baseAddress!, byteCount: bytes.count)
        }
        return acuhook_buffer(ptr: memory, len: bytes.count)
    }
}
