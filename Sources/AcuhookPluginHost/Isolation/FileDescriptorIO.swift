#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking reads and writes of whole buffers on a file descriptor (retrying on EINTR).
enum FileDescriptorIO {
    /// Exactly `count` bytes, or nil at end of file or on an error.
    static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + done, count - done) }
            if n > 0 {
                done += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return buffer
    }

    /// Writes all of `bytes`; false when the other end is gone.
    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + done, bytes.count - done) }
            if n > 0 {
                done += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// One frame's payload, nil at a clean end of file.
    /// - Throws: ``WorkerCodec/DecodingError`` when the stream ends inside a frame or announces too much.
    static func readFrame(_ fd: Int32) throws(WorkerCodec.DecodingError) -> [UInt8]? {
        guard let prefix = read(fd, count: 4) else { return nil }
        let length = try WorkerCodec.payloadLength(prefix)
        guard let payload = read(fd, count: length) else { throw WorkerCodec.DecodingError(reason: "stream ended inside a frame") }
        return payload
    }
}
