import AcuhookCore
import AcuhookStore
import PostgresNIO

extension PostgresEventStore {
    /// Event types stored in the window, with their counts.
    public func storedEventTypes(source: String?, sinceUnixMilliseconds since: Int64, untilUnixMilliseconds until: Int64?) async throws(StoreError) -> [String: Int] {
        try await run("cannot read the stored event types", long: true) { connection in
            var types: [String: Int] = [:]
            let rows = try await connection.query(
                """
                SELECT e.event_type, count(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id
                WHERE d.received_at >= \(since) AND (\(until)::bigint IS NULL OR d.received_at < \(until)) AND (\(source)::text IS NULL OR d.source = \(source))
                GROUP BY e.event_type
                """,
                logger: quiet
            )
            for try await (type, count) in rows.decode((String, Int64).self) { types[type] = Int(count) }
            return types
        }
    }

    /// The count and the first `limit` matching events.
    public func previewReplay(_ selection: ReplaySelection, limit: Int) async throws(StoreError) -> ReplayPreview {
        try await run("cannot preview the replay", long: true) { connection in
            let (since, until, source, types) = (selection.sinceUnixMilliseconds, selection.untilUnixMilliseconds, selection.source, selection.eventTypes)
            var count = 0
            for try await value in try await connection.query(
                """
                SELECT count(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id
                WHERE e.event_type = ANY(\(types)) AND d.received_at >= \(since) AND (\(until)::bigint IS NULL OR d.received_at < \(until))
                AND (\(source)::text IS NULL OR d.source = \(source))
                """,
                logger: quiet
            ).decode(Int64.self) { count = Int(value) }
            var first: [ReplayPreview.Event] = []
            for try await (id, delivery, type, entity, received) in try await connection.query(
                """
                SELECT e.id, e.delivery_id, e.event_type, e.entity_id, d.received_at FROM events e JOIN deliveries d ON d.id = e.delivery_id
                WHERE e.event_type = ANY(\(types)) AND d.received_at >= \(since) AND (\(until)::bigint IS NULL OR d.received_at < \(until))
                AND (\(source)::text IS NULL OR d.source = \(source)) ORDER BY e.id LIMIT \(Int64(limit))
                """,
                logger: quiet
            ).decode((Int64, Int64, String, String, Int64).self) {
                first.append(ReplayPreview.Event(id: id, deliveryID: delivery, eventType: type, entityId: entity, receivedAtUnixMilliseconds: received))
            }
            return ReplayPreview(count: count, first: first)
        }
    }

    /// Creates the replay's jobs, one statement per batch (the jobs and the replay's cursor
    /// together), resuming an unfinished replay of the same selection.
    public func replay(
        _ selection: ReplaySelection, nowUnixMilliseconds now: Int64, batchSize: Int, progress: (_ done: Int, _ total: Int) -> Bool
    ) async throws(StoreError) -> ReplayResult {
        let (since, until, source, types, key, plugin) = (
            selection.sinceUnixMilliseconds, selection.untilUnixMilliseconds, selection.source, selection.eventTypes, selection.key, selection.plugin
        )
        let (id, total, startedAt) = try await transaction("cannot start the replay") { connection -> (Int64, Int, Int) in
            // One starter at a time per selection, so two runs never make two replays of it.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(key)))", logger: quiet)
            for try await (id, total, created) in try await connection.query(
                "SELECT id, total, created FROM replays WHERE selection = \(key) AND finished_at IS NULL ORDER BY id DESC LIMIT 1", logger: quiet
            ).decode((Int64, Int64, Int64).self) {
                return (id, Int(total), Int(created))
            }
            for try await (id, total) in try await connection.query(
                """
                WITH upto AS (SELECT coalesce(max(id), 0) AS event FROM events)
                INSERT INTO replays (plugin, selection, upto_event, total, started_at)
                SELECT \(plugin), \(key), upto.event, (
                    SELECT count(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id
                    WHERE e.event_type = ANY(\(types)) AND d.received_at >= \(since) AND (\(until)::bigint IS NULL OR d.received_at < \(until))
                    AND (\(source)::text IS NULL OR d.source = \(source)) AND e.id <= upto.event
                ), \(now) FROM upto
                RETURNING id, total
                """,
                logger: quiet
            ).decode((Int64, Int64).self) {
                return (id, Int(total), 0)
            }
            throw StoreError(.unavailable, "the replay's row was not created")
        }
        let ordered: String
        switch selection.ordering {
        case .always: ordered = "TRUE"
        case .never: ordered = "FALSE"
        case .pushNotifications: ordered = "b.format = '\(Delivery.Format.pushNotification.rawValue)'"
        }
        let limit = Int64(max(1, batchSize))
        var done = startedAt
        guard progress(done, total) else { return ReplayResult(id: id, total: total, created: 0, resumedAfter: startedAt) }
        while true {
            let added = try await count("cannot create the replay's jobs (\(done - startedAt) created before the failure; run it again to resume)", long: true, """
                WITH replay AS (SELECT cursor, upto_event FROM replays WHERE id = \(id) AND finished_at IS NULL),
                batch AS (
                    SELECT e.id, e.tenant, e.entity_type, e.entity_id, e.ordering_key, d.format
                    FROM events e JOIN deliveries d ON d.id = e.delivery_id, replay
                    WHERE e.event_type = ANY(\(types)) AND d.received_at >= \(since) AND (\(until)::bigint IS NULL OR d.received_at < \(until))
                    AND (\(source)::text IS NULL OR d.source = \(source)) AND e.id > replay.cursor AND e.id <= replay.upto_event
                    ORDER BY e.id LIMIT \(limit)
                ),
                inserted AS (
                    INSERT INTO jobs (event_id, plugin, state, due_at, updated_at, lane, lane_order, replay)
                    SELECT b.id, \(plugin), 'pending', \(now), \(now),
                        CASE WHEN \(unescaped: ordered) THEN \(plugin) || chr(31) || b.tenant || chr(31) || b.entity_type || chr(31) || b.entity_id END,
                        CASE WHEN \(unescaped: ordered) THEN (CASE WHEN b.ordering_key ~ '^[0-9]{1,20}$' THEN lpad(b.ordering_key, 20, '0') ELSE b.ordering_key END) ELSE '' END,
                        \(id)
                    FROM batch b
                    RETURNING event_id
                ),
                counted AS (SELECT count(*) AS n, max(event_id) AS last FROM inserted),
                moved AS (
                    UPDATE replays SET cursor = coalesce(counted.last, replays.cursor), created = replays.created + counted.n,
                        finished_at = CASE WHEN counted.n < \(limit) THEN \(now) END
                    FROM counted WHERE replays.id = \(id)
                    RETURNING counted.n
                )
                SELECT coalesce((SELECT n FROM moved), -1)
                """)
            // -1: the replay was finished (by another run) or is gone.
            guard added >= 0 else { break }
            done += added
            if !progress(done, total) || added < Int(limit) { break }
        }
        return ReplayResult(id: id, total: total, created: done - startedAt, resumedAfter: startedAt)
    }
}
