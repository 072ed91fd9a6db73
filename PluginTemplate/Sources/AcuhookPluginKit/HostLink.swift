import CAcuhookPlugin

/// The plugin's line to the host: logging, attributed to this plugin instance.
///
/// - Important: Thread-safe; valid until the instance is destroyed.
public struct HostLink: @unchecked Sendable {
    let api: UnsafePointer<acuhook_host_api>
    let handle: OpaquePointer?

    /// Log levels of the host's logger.
    public enum Level: UInt32, Sendable {
        case trace = 0, debug, info, warning, error
    }

    /// Writes `message` to the host's log with the plugin's name.
    public func log(_ level: Level, _ message: String) {
        var message = message
        message.withUTF8 { bytes in
            let text = acuhook_str(ptr: UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), len: bytes.count)
            api.pointee.log(handle, acuhook_log_level(rawValue: level.rawValue), text)
        }
    }
}
