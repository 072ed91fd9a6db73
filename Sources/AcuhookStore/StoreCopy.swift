/// Moving an installation from one store to another (`acuhook store copy`): rows table by table,
/// in key order, in batches. Ids are kept, so every reference between rows holds in the copy.
public enum StoreCopy {
    /// The tables copied, parents first.
    public enum Table: String, Sendable, CaseIterable {
        /// Received (and derived) deliveries, with their bodies.
        case deliveries
        /// Their events.
        case events
        /// The events' jobs, dead letters included.
        case jobs
        /// Every recorded attempt.
        case jobAttempts = "job_attempts"
        /// Live idempotency keys (resends stay duplicates after the move).
        case idempotencyKeys = "idempotency_keys"
        /// Runtime overrides and held breaker states.
        case overrides

        /// The columns copied, in the order a ``Batch``'s rows hold them.
        public var columns: [String] {
            switch self {
            case .deliveries:
                ["id", "source", "idempotency_key", "idempotency_key_origin", "format", "received_at", "client_address", "headers", "body", "event_count", "root_delivery_id", "derived_events", "derived_refused"]
            case .events:
                ["id", "delivery_id", "position", "event_type", "entity_type", "entity_id", "tenant", "ordering_key", "received_at", "derivation_depth", "json"]
            case .jobs:
                ["id", "event_id", "plugin", "state", "attempts", "due_at", "lease_until", "last_delay_ms", "dead_reason", "updated_at", "lane", "lane_order", "debounce_key", "claim"]
            case .jobAttempts:
                ["seq", "job_id", "attempt", "started_at", "duration_ms", "outcome", "message"]
            case .idempotencyKeys:
                ["source", "key", "delivery_id", "expires_at"]
            case .overrides:
                ["kind", "plugin", "pattern", "value", "updated_at"]
            }
        }

        /// Whether rows are keyed by an increasing integer (the first column); the others are
        /// keyed by their first two text columns.
        public var hasIntegerKey: Bool { self != .idempotencyKeys && self != .overrides }
    }

    /// One column's value.
    public enum Value: Sendable, Equatable {
        /// SQL NULL.
        case null
        /// An integer.
        case integer(Int64)
        /// Text.
        case text(String)
        /// Bytes.
        case blob([UInt8])
    }

    /// Where a table's copy stands: after this key (nil: from the start).
    public enum Cursor: Sendable, Equatable {
        /// After this integer key.
        case integer(Int64)
        /// After this pair of text keys.
        case text(String, String)
    }

    /// Rows of one table, each holding ``Table/columns`` in order.
    public struct Batch: Sendable {
        /// The table.
        public var table: Table
        /// The rows.
        public var rows: [[Value]]

        /// A batch.
        public init(table: Table, rows: [[Value]]) {
            self.table = table
            self.rows = rows
        }

        /// The key of its last row: where the next batch starts.
        public var last: Cursor? {
            guard let row = rows.last else { return nil }
            switch (row.first, row.count > 1 ? row[1] : .null) {
            case (.integer(let id), _): return .integer(id)
            case (.text(let a), .text(let b)): return .text(a, b)
            default: return nil
            }
        }
    }
}

/// A store rows can be copied out of.
public protocol StoreCopySource: Sendable {
    /// Rows per table, for the progress bar.
    func rowCounts() async throws(StoreError) -> [StoreCopy.Table: Int]
    /// The largest key of an integer-keyed `table` (nil when empty).
    func lastKey(_ table: StoreCopy.Table) async throws(StoreError) -> Int64?
    /// Rows of `table` with a key at or below `cursor` (what a resumed copy has done already).
    func exportCount(_ table: StoreCopy.Table, upTo cursor: StoreCopy.Cursor?) async throws(StoreError) -> Int
    /// Up to `limit` rows of `table` after `cursor`, in key order. A job that was running is
    /// read as pending (its lease belonged to a process that is not running any more).
    func exportRows(_ table: StoreCopy.Table, after cursor: StoreCopy.Cursor?, limit: Int) async throws(StoreError) -> StoreCopy.Batch
}

/// A store rows can be copied into, again and again: rows it has are left alone.
public protocol StoreCopyTarget: Sendable {
    /// Where a copy of `table` that stopped part way should go on (its largest key); nil: from
    /// the start. Only integer-keyed tables resume; the others are copied again, skipping what is there.
    func resumePoint(_ table: StoreCopy.Table) async throws(StoreError) -> StoreCopy.Cursor?
    /// Inserts the batch's rows, leaving rows whose key exists; returns how many were new.
    func importRows(_ batch: StoreCopy.Batch) async throws(StoreError) -> Int
    /// After the last batch: id sequences continue past the copied rows and the overrides'
    /// version moves on (running servers reload them).
    func finishImport() async throws(StoreError)
}
