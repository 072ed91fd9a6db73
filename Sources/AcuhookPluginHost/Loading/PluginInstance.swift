import AcuhookCore
import CAcuhookPlugin
import Foundation
import Logging

/// One created instance of a plugin: `create` has run; ``invoke(_:attempt:)`` calls `handle`.
///
/// - Important: ``invoke(_:attempt:)`` blocks for as long as the plugin does: call it from a
///   plugin pool thread, never from an event loop or the cooperative pool. Concurrent calls are
///   allowed only when ``PluginImage/threadSafe`` is true (the runner enforces it).
public final class PluginInstance: @unchecked Sendable {
    /// The loaded file.
    public let image: PluginImage
    /// The host's limits on results and derived events.
    public let limits: Limits
    let instance: UnsafeMutableRawPointer?
    private let hostHandle: Unmanaged<PluginHostHandle>
    private let handleFunction: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<acuhook_event>?, UnsafeMutablePointer<acuhook_result>?) -> Int32

    /// Limits the host applies to each call.
    public struct Limits: Sendable {
        /// Largest output accepted; bigger makes the call fail. Default 1 MiB.
        public var maxOutputBytes = 1 << 20
        /// Largest message kept; longer is cut. Default 64 KiB.
        public var maxMessageBytes = 64 << 10
        /// Most derived events per call. Default 16.
        public var maxDerivedEvents = 16
        /// Most derivation steps. Default 4.
        public var maxDerivationDepth = 4

        /// The defaults.
        public init() {}
    }

    /// Calls the plugin's `create` with `configJSON`.
    /// - Throws: ``PluginLoadError`` (`create_failed`) with the plugin's own message.
    public init(image: PluginImage, configJSON: [UInt8], limits: Limits = Limits(), logger: Logger) throws(PluginLoadError) {
        var logger = logger
        logger[metadataKey: "acuhook.plugin"] = "\(image.name)"
        self.image = image
        self.limits = limits
        let hostHandle = Unmanaged.passRetained(PluginHostHandle(logger: logger))
        let descriptor = image.descriptor.pointee
        guard let handle = descriptor.handle else {
            hostHandle.release()
            throw PluginLoadError(.invalidDescriptor, path: image.path, "descriptor has no `handle` function")
        }
        self.handleFunction = handle
        var created: UnsafeMutableRawPointer? = nil
        if let create = descriptor.create {
            var error = acuhook_buffer(ptr: nil, len: 0)
            let status = configJSON.withUnsafeBufferPointer { config in
                create(
                    OpaquePointer(hostHandle.toOpaque()),
                    acuhook_str(ptr: UnsafeRawPointer(config.baseAddress)?.assumingMemoryBound(to: CChar.self), len: config.count),
                    &created,
                    &error
                )
            }
            let message = Self.take(error, limit: limits.maxMessageBytes)
            if status != 0 {
                hostHandle.release()
                throw PluginLoadError(
                    .createFailed,
                    path: image.path,
                    "plugin '\(image.name)' refused its configuration: \(message ?? "no message (create returned \(status))")"
                )
            }
        }
        self.instance = created
        self.hostHandle = hostHandle
    }

    deinit {
        image.descriptor.pointee.destroy?(instance)
        hostHandle.release()
    }

    /// Calls `handle` once, on the calling thread: marshals the event, calls, and copies the result
    /// out (freeing the plugin's buffers).
    public func invoke(_ event: PluginEvent, attempt: Int) -> PluginCallResult {
        var context = CallContext(parent: event, maxDepth: limits.maxDerivationDepth, maxEvents: limits.maxDerivedEvents)
        var result = Self.emptyResult(status: 0)
        let status = withUnsafeMutablePointer(to: &context) { call in
            event.storage.withUnsafeBufferPointer { bytes in
                var raw = Self.rawEvent(event, attempt: attempt, bytes: bytes.baseAddress, call: OpaquePointer(call))
                return handleFunction(instance, &raw, &result)
            }
        }
        return finish(status: status, result, derived: context.derived)
    }

    /// A zeroed result with `size` and `status` set.
    static func emptyResult(status: Int32) -> acuhook_result {
        acuhook_result(
            size: UInt32(MemoryLayout<acuhook_result>.size),
            message: acuhook_buffer(ptr: nil, len: 0),
            output: acuhook_buffer(ptr: nil, len: 0),
            status: status
        )
    }

    /// `event` as the ABI passes it, its strings pointing into `bytes` (the event's packed
    /// storage, which must outlive the call).
    static func rawEvent(_ event: PluginEvent, attempt: Int, bytes: UnsafePointer<UInt8>?, call: OpaquePointer) -> acuhook_event {
        let base = UnsafeRawPointer(bytes)?.assumingMemoryBound(to: CChar.self)
        func field(_ range: Range<Int>) -> acuhook_str {
            acuhook_str(ptr: base.map { $0 + range.lowerBound }, len: range.count)
        }
        return acuhook_event(
            size: UInt32(MemoryLayout<acuhook_event>.size),
            attempt: UInt32(clamping: attempt),
            event_type: field(event.layout.eventType),
            entity_type: field(event.layout.entityType),
            entity_id: field(event.layout.entityId),
            delivery_id: field(event.layout.deliveryId),
            tenant: field(event.layout.tenant),
            received_at_unix_ms: event.receivedAtUnixMilliseconds,
            json: field(event.layout.json),
            call: call
        )
    }

    /// How one event's call ended: its status mapped, its buffers copied out and freed, and its
    /// derived events kept only when the status is OK.
    func finish(status: Int32, _ result: acuhook_result, derived: [DerivedEvent]) -> PluginCallResult {
        let message = Self.take(result.message, limit: limits.maxMessageBytes)
        let outputTooLarge = result.output.ptr != nil && result.output.len > limits.maxOutputBytes
        let output = outputTooLarge ? Self.discard(result.output) : Self.take(result.output)

        let outcome: PluginCallResult.Outcome
        switch status {
        case Int32(ACUHOOK_STATUS_OK.rawValue): outcome = .ok
        case Int32(ACUHOOK_STATUS_SKIP.rawValue): outcome = .skipped
        case Int32(ACUHOOK_STATUS_RETRY.rawValue): outcome = .retry
        case Int32(ACUHOOK_STATUS_REJECT.rawValue): outcome = .rejected
        default:
            return PluginCallResult(
                outcome: .failed(.invalidStatus(status)),
                message: "the plugin reported \(status), which is not an acuhook_status" + (message.map { " (message: \($0))" } ?? ""),
                output: nil,
                derived: []
            )
        }
        if outputTooLarge {
            return PluginCallResult(
                outcome: .failed(.invalidResult),
                message: "output of \(result.output.len) bytes exceeds the limit of \(limits.maxOutputBytes)",
                output: nil,
                derived: []
            )
        }
        return PluginCallResult(outcome: outcome, message: message, output: output, derived: outcome == .ok ? derived : [])
    }

    /// Copies a plugin-allocated buffer as text (cut to `limit` bytes) and frees it.
    private static func take(_ buffer: acuhook_buffer, limit: Int) -> String? {
        guard let pointer = buffer.ptr else { return nil }
        defer { free(pointer) }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: min(buffer.len, limit))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Copies a plugin-allocated buffer and frees it.
    private static func take(_ buffer: acuhook_buffer) -> [UInt8]? {
        guard let pointer = buffer.ptr else { return nil }
        defer { free(pointer) }
        return Array(UnsafeRawBufferPointer(start: pointer, count: buffer.len))
    }

    /// Frees a plugin-allocated buffer unread.
    private static func discard(_ buffer: acuhook_buffer) -> [UInt8]? {
        free(buffer.ptr)
        return nil
    }
}
