import AcuhookCore
import AcuhookStore
import Foundation
import GRDB

extension SQLiteEventStore {
    /// Event types stored in the window, with their counts.
    public func storedEventTypes(source: String?, sinceUnixMilliseconds: Int64, untilUnixMilliseconds: Int64?) async throws(StoreError) -> [String: Int] {
        try await read("cannot read the stored event types") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.event_type, COUNT(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id
                    WHERE d.received_at >= ? AND (? IS NULL OR d.received_at < ?) AND (? IS NULL OR d.source = ?)
                    GROUP BY e.event_type
                    """,
                arguments: [sinceUnixMilliseconds, untilUnixMilliseconds, untilUnixMilliseconds, source, source]
            )
            return Dictionary(uniqueKeysWithValues: rows.map { (row: Row) -> (String, Int) in (row[0], row[1]) })
        }
    }

    /// The selection's events after `cursor`, up to `upto`: `WHERE` and its arguments.
    private static func matching(_ selection: ReplaySelection, after cursor: Int64, upto: Int64) -> (String, StatementArguments) {
        let types = String(decoding: (try? JSONEncoder().encode(selection.eventTypes)) ?? Data("[]".utf8), as: UTF8.self)
        return (
            """
            e.event_type IN (SELECT value FROM json_each(?)) AND d.received_at >= ? AND (? IS NULL OR d.received_at < ?)
            AND (? IS NULL OR d.source = ?) AND e.id > ? AND e.id <= ?
            """,
            [
                types, selection.sinceUnixMilliseconds, selection.untilUnixMilliseconds, selection.untilUnixMilliseconds,
                selection.source, selection.source, cursor, upto,
            ]
        )
    }

    /// The count and the first `limit` matching events.
    public func previewReplay(_ selection: ReplaySelection, limit: Int) async throws(StoreError) -> ReplayPreview {
        try await read("cannot preview the replay") { db in
            let (condition, arguments) = Self.matching(selection, after: 0, upto: Int64.max)
            let from = "FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE \(condition)"
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from)", arguments: arguments) ?? 0
            let first = try Row.fetchAll(
                db, sql: "SELECT e.id, e.delivery_id, e.event_type, e.entity_id, d.received_at \(from) ORDER BY e.id LIMIT ?",
                arguments: arguments + [limit]
            ).map { ReplayPreview.Event(id: $0[0], deliveryID: $0[1], eventType: $0[2], entityId: $0[3], receivedAtUnixMilliseconds: $0[4]) }
            return ReplayPreview(count: count, first: first)
        }
    }

    /// Creates the replay's jobs, batch by batch, resuming an unfinished replay of the same selection.
    public func replay(
        _ selection: ReplaySelection, nowUnixMilliseconds now: Int64, batchSize: Int, progress: (_ done: Int, _ total: Int) -> Bool
    ) async throws(StoreError) -> ReplayResult {
        // The replay's row: an unfinished one of the same selection, or a new one covering the
        // events stored now.
        let (id, total, startedAt) = try await write("cannot start the replay") { db -> (Int64, Int, Int) in
            if let row = try Row.fetchOne(
                db, sql: "SELECT id, total, created FROM replays WHERE selection = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
                arguments: [selection.key]
            ) {
                return (row[0], row[1], row[2])
            }
            let upto = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
            let (condition, arguments) = Self.matching(selection, after: 0, upto: upto)
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE \(condition)", arguments: arguments) ?? 0
            try db.execute(
                sql: "INSERT INTO replays (plugin, selection, upto_event, total, started_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [selection.plugin, selection.key, upto, total, now]
            )
            return (db.lastInsertedRowID, total, 0)
        }
        var done = startedAt
        guard progress(done, total) else { return ReplayResult(id: id, total: total, created: 0, resumedAfter: startedAt) }
        while true {
            let (added, finished) = try await write("cannot create the replay's jobs (\(done - startedAt) created before the failure; run it again to resume)") { db -> (Int, Bool) in
                guard let replay = try Row.fetchOne(db, sql: "SELECT cursor, upto_event FROM replays WHERE id = ?", arguments: [id]) else { return (0, true) }
                let (condition, arguments) = Self.matching(selection, after: replay[0], upto: replay[1])
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT e.id, e.tenant, e.entity_type, e.entity_id, e.ordering_key, d.format
                        FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE \(condition) ORDER BY e.id LIMIT ?
                        """,
                    arguments: arguments + [max(1, batchSize)]
                )
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO jobs (event_id, plugin, state, due_at, updated_at, lane, lane_order, replay) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)"
                )
                for row in rows {
                    let ordered = selection.ordering == .always || (selection.ordering == .pushNotifications && row[5] == Delivery.Format.pushNotification.rawValue)
                    let lane = ordered ? StoredForm.entityLane(plugin: selection.plugin, tenant: row[1], entityType: row[2], entityId: row[3]) : nil
                    try insert.execute(arguments: [row[0], selection.plugin, now, now, lane, ordered ? StoredForm.laneOrder(row[4]) : "", id])
                }
                let finished = rows.count < max(1, batchSize)
                try db.execute(
                    sql: "UPDATE replays SET cursor = ?, created = created + ?, finished_at = ? WHERE id = ?",
                    arguments: [rows.last?[0] ?? replay[0] as Int64, rows.count, finished ? now : nil, id]
                )
                return (rows.count, finished)
            }
            done += added
            if !progress(done, total) || finished { break }
        }
        return ReplayResult(id: id, total: total, created: done - startedAt, resumedAfter: startedAt)
    }
}
