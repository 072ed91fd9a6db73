import AcuhookCore
import CAcuhookPlugin
import Foundation
import Logging
import Synchronization

/// The one `acuhook_host_api` table of this process, handed to every plugin's entry point.
///
/// Immortal: plugins may keep the pointer for the life of the process.
enum HostAPITable {
    /// The table.
    nonisolated(unsafe) static let pointer: UnsafePointer<acuhook_host_api> = {
        let table = UnsafeMutablePointer<acuhook_host_api>.allocate(capacity: 1)
        table.initialize(
            to: acuhook_host_api(
                size: UInt32(MemoryLayout<acuhook_host_api>.size),
                abi_major: UInt16(ACUHOOK_ABI_VERSION_MAJOR),
                abi_minor: UInt16(ACUHOOK_ABI_VERSION_MINOR),
                log: { handle, level, message in HostAPITable.log(handle, level, message) },
                alloc: { length in malloc(max(length, 1))?.assumingMemoryBound(to: CChar.self) },
                free: { pointer in Foundation.free(pointer) },
                emit: { call, event in HostAPITable.emit(call, event) }
            )
        )
        return UnsafePointer(table)
    }()

    /// Who a NULL-handle log line (written during `acuhook_plugin_entry`) belongs to.
    static let loading = Mutex<(path: String, logger: Logger)?>(nil)

    private static func log(_ handle: OpaquePointer?, _ level: acuhook_log_level, _ message: acuhook_str) {
        let text = String(decoding: UnsafeRawBufferPointer(message), as: UTF8.self)
        let swiftLevel: Logger.Level =
            switch level {
            case ACUHOOK_LOG_TRACE: .trace
            case ACUHOOK_LOG_DEBUG: .debug
            case ACUHOOK_LOG_INFO: .info
            case ACUHOOK_LOG_WARNING: .warning
            default: .error
            }
        if let handle {
            let owner = Unmanaged<PluginHostHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
            owner.logger.log(level: swiftLevel, "plugin log", metadata: ["acuhook.plugin.message": "\(text)"])
        } else if let (path, logger) = loading.withLock({ $0 }) {
            logger.log(
                level: swiftLevel,
                "plugin log",
                metadata: ["acuhook.plugin.path": "\(path)", "acuhook.plugin.message": "\(text)"]
            )
        } else {
            Logger(label: "acuhook.plugin").log(level: swiftLevel, "plugin log", metadata: ["acuhook.plugin.message": "\(text)"])
        }
    }

    /// The size of `acuhook_derived_event` in ABI 1.0 (through `data_json`): the smallest a
    /// plugin of any 1.x may pass. A later minor version may append fields; read one only when
    /// the event's `size` covers it.
    static let derivedEventSize1_0 = MemoryLayout<acuhook_derived_event>.offset(of: \acuhook_derived_event.data_json)! + MemoryLayout<acuhook_str>.size

    private static func emit(_ call: OpaquePointer?, _ event: UnsafePointer<acuhook_derived_event>?) -> acuhook_emit_status {
        guard let call else { return ACUHOOK_EMIT_NO_CALL }
        guard let event, event.pointee.size >= derivedEventSize1_0 else { return ACUHOOK_EMIT_INVALID }
        return UnsafeMutablePointer<CallContext>(call).pointee.emit(event.pointee)
    }
}

extension UnsafeRawBufferPointer {
    /// A view of an ABI string (empty when its pointer is NULL).
    init(_ text: acuhook_str) {
        self.init(start: text.ptr, count: text.ptr == nil ? 0 : text.len)
    }
}
