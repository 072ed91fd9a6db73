/// A file's size and modification time: a file still being written changes them.
public struct FileStamp: Sendable, Equatable {
    /// Bytes.
    public var size: Int64
    /// Modification time, seconds since the Unix epoch (with its fraction).
    public var modified: Double

    /// Creates a stamp.
    public init(size: Int64, modified: Double) {
        self.size = size
        self.modified = modified
    }
}
