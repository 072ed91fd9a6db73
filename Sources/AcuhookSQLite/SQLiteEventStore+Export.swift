import AcuhookStore
import GRDB

extension SQLiteEventStore: StoreCopySource {
    /// Rows per table.
    public func rowCounts() async throws(StoreError) -> [StoreCopy.Table: Int] {
        try await read("cannot count the store's rows") { db in
            var counts: [StoreCopy.Table: Int] = [:]
            for table in StoreCopy.Table.allCases {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.rawValue)") ?? 0
            }
            return counts
        }
    }

    /// The largest key of an integer-keyed `table`.
    public func lastKey(_ table: StoreCopy.Table) async throws(StoreError) -> Int64? {
        guard table.hasIntegerKey else { return nil }
        let key = table == .jobAttempts ? "rowid" : table.columns[0]
        return try await read("cannot read the store") { db in try Int64.fetchOne(db, sql: "SELECT MAX(\(key)) FROM \(table.rawValue)") }
    }

    /// Rows of an integer-keyed `table` with a key at or below `cursor`.
    public func exportCount(_ table: StoreCopy.Table, upTo cursor: StoreCopy.Cursor?) async throws(StoreError) -> Int {
        guard case .integer(let id)? = cursor, table.hasIntegerKey else { return 0 }
        let key = table == .jobAttempts ? "rowid" : table.columns[0]
        return try await read("cannot count the store's rows") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.rawValue) WHERE \(key) <= ?", arguments: [id]) ?? 0
        }
    }

    /// Up to `limit` rows of `table` after `cursor`, in key order (`job_attempts` by rowid, its
    /// recording order).
    public func exportRows(_ table: StoreCopy.Table, after cursor: StoreCopy.Cursor?, limit: Int) async throws(StoreError) -> StoreCopy.Batch {
        var columns = table.columns
        switch table {
        case .jobAttempts: columns[0] = "rowid"
        case .jobs:
            columns[columns.firstIndex(of: "state")!] = "CASE state WHEN 'running' THEN 'pending' ELSE state END"
            columns[columns.firstIndex(of: "lease_until")!] = "NULL"
        default: break
        }
        let key = table == .jobAttempts ? "rowid" : table.columns[0]
        let (condition, order): (String, String)
        var arguments = StatementArguments()
        switch (table.hasIntegerKey, cursor) {
        case (true, .integer(let id)?):
            (condition, order) = ("\(key) > ?", key)
            arguments += [id]
        case (true, _):
            (condition, order) = ("1", key)
        case (false, .text(let a, let b)?):
            let (first, second) = (table.columns[0], table.columns[1])
            (condition, order) = ("(\(first), \(second)) > (?, ?)", "\(first), \(second)")
            arguments += [a, b]
        case (false, _):
            (condition, order) = ("1", "\(table.columns[0]), \(table.columns[1])")
        }
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table.rawValue) WHERE \(condition) ORDER BY \(order) LIMIT \(max(1, limit))"
        let bound = arguments
        return try await read("cannot read \(table.rawValue) to copy") { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: bound).map { row in
                (0..<row.count).map { index -> StoreCopy.Value in
                    switch (row[index] as DatabaseValue).storage {
                    case .int64(let value): .integer(value)
                    case .string(let value): .text(value)
                    case .blob(let data): .blob(Array(data))
                    case .double(let value): .integer(Int64(value))
                    case .null: .null
                    }
                }
            }
            return StoreCopy.Batch(table: table, rows: rows)
        }
    }
}
