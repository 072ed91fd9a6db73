import Logging
import Synchronization

/// A log handler that keeps every entry in memory, for asserting on logs without bootstrapping
/// the global logging system.
public struct RecordingLogHandler: LogHandler {
    /// One recorded line.
    public struct Entry: Sendable {
        /// Its level.
        public var level: Logger.Level
        /// Its (constant) message.
        public var message: String
        /// Logger and call metadata, rendered as strings.
        public var metadata: [String: String]
    }

    /// Where the entries go; share it with the test.
    public final class Store: Sendable {
        private let entries = Mutex<[Entry]>([])

        /// An empty store.
        public init() {}

        /// Everything logged so far.
        public var all: [Entry] { entries.withLock { $0 } }

        func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
    }

    private let store: Store
    /// The handler's metadata.
    public var metadata: Logger.Metadata = [:]
    /// The handler's level (default trace: keep everything).
    public var logLevel: Logger.Level = .trace

    /// A handler writing to `store`.
    public init(store: Store) { self.store = store }

    /// A logger writing to `store`.
    public static func logger(_ store: Store, label: String = "test") -> Logger {
        Logger(label: label) { _ in RecordingLogHandler(store: store) }
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Records one line.
    public func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        store.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
