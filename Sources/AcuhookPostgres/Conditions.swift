import PostgresNIO

/// A `WHERE` clause built from optional filters, each bound as the next `$n`.
struct Conditions {
    private(set) var clauses: [String]
    private(set) var binds = PostgresBindings()

    /// Starts with fixed clauses that bind nothing.
    init(_ fixed: [String] = []) { clauses = fixed }

    /// Adds `clause($n)` with `value` bound as `$n`.
    mutating func add(_ clause: (String) -> String, _ value: some PostgresDynamicTypeEncodable) {
        binds.append(value)
        clauses.append(clause("$\(binds.count)"))
    }

    /// The clauses joined by `AND`.
    var sql: String { clauses.joined(separator: " AND ") }
}
