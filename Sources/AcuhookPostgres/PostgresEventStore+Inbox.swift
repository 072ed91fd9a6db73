import AcuhookCore
import AcuhookStore
import PostgresNIO

extension PostgresEventStore {
    /// Queues `delivery` for the next batch; `completion` runs once that batch is committed (or failed).
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        accepts.add(AcceptQueue.Item(delivery: delivery, retention: retention, completion: completion))
    }

    /// A writer: takes the queued deliveries a batch at a time and commits each batch in one
    /// statement. It keeps the connection it leased while batches keep coming (one lease per busy
    /// spell, not one per batch) and gives it back once none wait or a batch failed. A lease not
    /// granted within the operation timeout fails the batch (503); each statement on a held
    /// connection is bounded by the ``StatementWatchdog``.
    func writeAccepts() async {
        while let items = await accepts.next() {
            let lease = LeaseState()
            let result = await Deadline.race(configuration.operationTimeout, armed: { lease.expire() }) {
                try await self.withPooledConnection { connection in
                    guard lease.take() else { return }
                    var batch = items
                    while await self.write(batch, on: connection), let next = self.accepts.takeNow() { batch = next }
                }
            }
            guard !lease.taken else { continue }
            var error: any Error = DeadlineExceeded(limit: configuration.operationTimeout)
            if case .failure(let failure) = result { error = failure }
            fail(items, PostgresProblem.storeError("cannot store the delivery", error, configuration: configuration))
        }
    }

    /// Answers `items` with `error` (503: the senders retry).
    private func fail(_ items: [AcceptQueue.Item], _ error: StoreError) {
        metrics.failed()
        logger.error("cannot store deliveries; answered 503 (the senders retry)", metadata: [
            "acuhook.error": "\(error)", "acuhook.delivery.ids": "\(items.map(\.delivery.idempotencyKey).joined(separator: ","))",
        ])
        for item in items { item.completion(.failure(error)) }
    }

    /// One (source, key) pair.
    private struct Key: Hashable {
        let source: String
        let key: String
    }

    /// Writes `items` as one batch on `connection` and answers them: each key once (a key
    /// repeated in the batch is a duplicate of its first delivery), retried on a deadlock with
    /// another instance's batch. False when the batch failed (the connection may be gone).
    private func write(_ items: [AcceptQueue.Item], on connection: PostgresConnection) async -> Bool {
        var first: [Key: Int] = [:]
        var unique: [Int] = []
        for (index, item) in items.enumerated() {
            let key = Key(source: item.delivery.source, key: item.delivery.idempotencyKey)
            if first[key] == nil {
                first[key] = unique.count
                unique.append(index)
            }
        }
        // Keys in one order for every batch: two instances' batches lock them alike.
        unique.sort { (items[$0].delivery.source, items[$0].delivery.idempotencyKey) < (items[$1].delivery.source, items[$1].delivery.idempotencyKey) }
        for (position, index) in unique.enumerated() {
            first[Key(source: items[index].delivery.source, key: items[index].delivery.idempotencyKey)] = position
        }
        let batch = DeliveryBatch(
            deliveries: unique.map { items[$0].delivery },
            expiries: unique.map { items[$0].delivery.receivedAtUnixMilliseconds + items[$0].retention.wholeMilliseconds },
            roots: unique.map { _ in nil }
        )
        let now = items.map(\.delivery.receivedAtUnixMilliseconds).min() ?? 0
        let written: (deliveryIDs: [Int64], eventIDs: [Int64], stored: Set<Int64>, existing: [Key: Int64])
        let started = ContinuousClock.now
        do {
            written = try await watchdog.watch(connection) {
                var attempt = 0
                while true {
                    attempt += 1
                    do {
                        let (deliveryIDs, eventIDs, stored) = try await batch.write(now: now, channel: self.channel, on: connection)
                        let lost = batch.deliveries.enumerated().filter { !stored.contains(deliveryIDs[$0.offset]) }.map(\.element)
                        var existing: [Key: Int64] = [:]
                        if !lost.isEmpty {
                            let rows = try await connection.query(
                                """
                                SELECT source, key, delivery_id FROM idempotency_keys
                                WHERE (source, key) IN (SELECT * FROM unnest(\(lost.map(\.source))::text[], \(lost.map(\.idempotencyKey))::text[]))
                                """,
                                logger: quiet
                            )
                            for try await (source, key, id) in rows.decode((String, String, Int64).self) { existing[Key(source: source, key: key)] = id }
                        }
                        return (deliveryIDs, eventIDs, stored, existing)
                    } catch where attempt < 3 && PostgresProblem.isRetryable(error) {
                        continue
                    }
                }
            }
            metrics.committed(after: ContinuousClock.now - started, deliveries: written.stored.count)
        } catch {
            fail(items, PostgresProblem.storeError("cannot store the delivery", error, configuration: configuration))
            return false
        }
        // Each unique delivery's result, then every item's (a repeat gets its first's id).
        var results: [Result<AcceptResult, StoreError>] = []
        var nextEvent = 0
        for (position, delivery) in batch.deliveries.enumerated() {
            let id = written.deliveryIDs[position]
            let eventIDs = Array(written.eventIDs[nextEvent..<(nextEvent + delivery.events.count)])
            nextEvent += delivery.events.count
            if written.stored.contains(id) {
                results.append(.success(.accepted(deliveryID: id, eventIDs: eventIDs)))
            } else if let existing = written.existing[Key(source: delivery.source, key: delivery.idempotencyKey)] {
                results.append(.success(.duplicate(deliveryID: existing)))
            } else {
                // The key's row went between the write and the read (swept): stored by no one.
                results.append(.failure(StoreError(.unavailable, "the delivery's idempotency key changed while it was written; retry")))
            }
        }
        for (index, item) in items.enumerated() {
            let position = first[Key(source: item.delivery.source, key: item.delivery.idempotencyKey)]!
            guard unique[position] != index, case .success(let result) = results[position] else {
                item.completion(results[position])
                continue
            }
            switch result {
            case .accepted(let id, _), .duplicate(let id): item.completion(.success(.duplicate(deliveryID: id)))
            }
        }
        return true
    }

    /// The server answers and takes writes: not a standby, not read-only. (Writes nothing: load
    /// balancers ask `/ready` often.)
    public func checkWritable() async throws(StoreError) {
        let writable = try await run("the store is not writable") { connection in
            for try await writable in try await connection.query(
                "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'", logger: quiet
            ).decode(Bool.self) { return writable }
            return false
        }
        guard writable else { throw StoreError(.unavailable, "the store is not writable: \(configuration.endpoint) is read-only (a standby?)") }
    }

    /// Deletes up to `limit` expired keys, oldest first.
    public func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int {
        try await count("cannot expire idempotency keys", """
            WITH gone AS (
                DELETE FROM idempotency_keys WHERE (source, key) IN (
                    SELECT source, key FROM idempotency_keys WHERE expires_at < \(nowUnixMilliseconds) ORDER BY expires_at LIMIT \(max(1, limit))
                    FOR UPDATE SKIP LOCKED)
                RETURNING 1)
            SELECT count(*) FROM gone
            """)
    }

    /// Deletes up to `limit` finished deliveries received before `cutoff`, with their events,
    /// jobs and attempts, in one statement; rows another instance is sweeping are skipped.
    public func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int {
        try await count("cannot remove finished deliveries", """
            WITH victims AS (
                SELECT d.id FROM deliveries d
                WHERE d.received_at < \(cutoff) AND NOT EXISTS (
                    SELECT 1 FROM events e JOIN jobs j ON j.event_id = e.id
                    WHERE e.delivery_id = d.id AND j.state IN ('pending', 'running', 'dead'))
                ORDER BY d.id LIMIT \(max(1, limit)) FOR UPDATE SKIP LOCKED
            ), doomed_events AS (
                SELECT id FROM events WHERE delivery_id IN (SELECT id FROM victims)
            ), doomed_jobs AS (
                SELECT id FROM jobs WHERE event_id IN (SELECT id FROM doomed_events) FOR UPDATE
            ), a AS (
                DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM doomed_jobs)
            ), j AS (
                DELETE FROM jobs WHERE id IN (SELECT id FROM doomed_jobs)
            ), e AS (
                DELETE FROM events WHERE id IN (SELECT id FROM doomed_events)
            ), d AS (
                DELETE FROM deliveries WHERE id IN (SELECT id FROM victims)
            )
            SELECT count(*) FROM victims
            """)
    }

    /// 0: PostgreSQL's autovacuum makes freed space reusable by itself (docs/postgresql.md explains its upkeep).
    public func reclaimFreePages(limit: Int) async throws(StoreError) -> Int { 0 }

    /// Events with an id above `afterID`, by id.
    public func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        try await run("cannot read events") { connection in
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: """
                    SELECT \(EventColumns.sql) FROM events e JOIN deliveries d ON d.id = e.delivery_id
                    WHERE e.id > $1 ORDER BY e.id LIMIT $2
                    """, binds: Self.binds(afterID, Int64(limit))),
                logger: quiet
            )
            var events: [StoredEvent] = []
            for try await row in rows { events.append(try EventColumns.event(row.makeRandomAccess())) }
            return events
        }
    }

    /// Runs `query`, which returns one count.
    func count(_ what: String, long: Bool = false, _ query: PostgresQuery) async throws(StoreError) -> Int {
        try await run(what, long: long) { connection in
            for try await value in try await connection.query(query, logger: quiet).decode(Int64.self) { return Int(value) }
            return 0
        }
    }

    /// Bindings for a statement built as text (`$1`, `$2`… in order).
    static func binds(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }
}
