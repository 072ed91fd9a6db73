import AcuhookStore
import GRDB
import GRDBSQLite

/// One of GRDB's cached statements, bound and stepped through SQLite's C API.
///
/// For the few statements every delivery and job runs: GRDB's `execute(arguments:)` boxes each
/// argument before binding it, which costs as much as SQLite's own work. Everything else keeps
/// GRDB's API. The statement is reset and its
/// bindings cleared after every use, so GRDB finds it as it left it.
struct BoundStatement {
    private let handle: OpaquePointer
    private let db: Database

    /// The cached statement for `sql` on `db` (compiled once per connection).
    init(_ sql: String, in db: Database) throws {
        self.handle = try db.cachedStatement(sql: sql).sqliteStatement
        self.db = db
    }

    /// A value bound to a parameter.
    enum Value {
        case integer(Int64)
        case text(String)
        case null
    }

    /// Binds `values` to parameters 1…n and `blob` (when given) to parameter `blobIndex`, runs
    /// the statement to its end and returns column 0 of its first row, if it produced one.
    @discardableResult
    func run(_ values: [Value], blob: [UInt8]? = nil, at blobIndex: Int32 = 0) throws -> Int64? {
        defer { reset() }
        var first: Int64? = nil
        try bound(values) {
            guard let blob else {
                try steps { row in if first == nil { first = row.integer(0) } }
                return
            }
            // The blob, too, is bound without a copy and stays alive until the steps are done.
            try blob.withUnsafeBytes { bytes in
                try check(sqlite3_bind_blob(handle, blobIndex, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Self.static))
                try steps { row in if first == nil { first = row.integer(0) } }
            }
        }
        return first
    }

    /// The current row of a statement being stepped, read column by column.
    struct Row {
        fileprivate let handle: OpaquePointer

        /// Column `index` as an integer (0 for NULL).
        func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

        /// Column `index` as an integer, or nil for NULL.
        func optionalInteger(_ index: Int32) -> Int64? {
            sqlite3_column_type(handle, index) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, index)
        }

        /// Column `index` as text ("" for NULL).
        func text(_ index: Int32) -> String {
            guard let start = sqlite3_column_text(handle, index) else { return "" }
            let count = Int(sqlite3_column_bytes(handle, index))
            return String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
        }

        /// Column `index` as bytes (empty for NULL).
        func bytes(_ index: Int32) -> [UInt8] {
            guard let start = sqlite3_column_blob(handle, index) else { return [] }
            let count = Int(sqlite3_column_bytes(handle, index))
            return Array(UnsafeRawBufferPointer(start: start, count: count))
        }
    }

    /// Binds `values` to parameters 1…n, steps through every row and hands each to `body`.
    func forEachRow(_ values: [Value], _ body: (Row) throws -> Void) throws {
        defer { reset() }
        try bound(values) { try steps(body) }
    }

    /// Binds `values` to parameters 1…n and runs `body`. Text is bound without a copy
    /// (SQLITE_STATIC): each string's UTF-8 is bound inside its own `withUTF8` scope and `body`
    /// runs in the innermost one, so every pointer SQLite reads stays valid while the statement
    /// runs; the caller's ``reset()`` then clears the bindings (which reads none of them).
    /// (With SQLITE_TRANSIENT SQLite allocated and copied every string.)
    private func bound(_ values: [Value], from offset: Int = 0, _ body: () throws -> Void) throws {
        var offset = offset
        while offset < values.count {
            let index = Int32(offset + 1)
            switch values[offset] {
            case .integer(let number): try check(sqlite3_bind_int64(handle, index, number))
            case .null: try check(sqlite3_bind_null(handle, index))
            case .text(var text):
                return try text.withUTF8 { utf8 in
                    // An empty string is bound as empty text (a valid pointer, length 0), never as NULL.
                    let start = utf8.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(Self.empty.utf8Start)
                    try check(sqlite3_bind_text(handle, index, start.assumingMemoryBound(to: CChar.self), Int32(utf8.count), Self.static))
                    try bound(values, from: offset + 1, body)
                }
            }
            offset += 1
        }
        try body()
    }

    /// Steps to the end, handing each row to `onRow`.
    private func steps(_ onRow: (Row) throws -> Void) throws {
        while true {
            let code = sqlite3_step(handle)
            switch code {
            case SQLITE_DONE: return
            case SQLITE_ROW: try onRow(Row(handle: handle))
            default: try check(code)
            }
        }
    }

    /// Leaves the statement as GRDB expects to find it: reset, no bindings.
    private func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private static let empty: StaticString = ""

    private func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sqlite3_sql(handle).map { String(cString: $0) })
    }

    /// SQLITE_STATIC: the bound memory outlives the statement's use of it; SQLite does not copy it.
    private static let `static`: sqlite3_destructor_type? = nil
}
