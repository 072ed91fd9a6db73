import AcuhookCore
import AcuhookStore
import Logging
import NIOCore
import PostgresNIO

/// Deliveries written together in one statement: their idempotency keys, rows, events and jobs
/// as `unnest`ed arrays, the keys claimed first and everything else inserted only for the keys won.
///
/// One statement is atomic on its own: no transaction to open or commit, one round trip per
/// batch whatever its size; row ids come from the sequences inside it. A new job wakes the other instances with
/// `pg_notify`, once per statement, delivered when it commits.
struct DeliveryBatch {
    /// The deliveries, each key at most once.
    let deliveries: [Delivery]
    /// When each one's key expires, ms since the epoch.
    let expiries: [Int64]
    /// The received delivery each derives from (derived events), or nil.
    let roots: [Int64?]

    /// Events in all.
    var eventCount: Int { deliveries.reduce(0) { $0 + $1.events.count } }

    /// Writes the batch in one statement; returns every delivery's and event's row id (in batch
    /// order; the statement takes them from the sequences) and the ids of the deliveries stored
    /// (the others' keys were live: duplicates, nothing written).
    func write(now: Int64, channel: String, on connection: PostgresConnection) async throws -> (deliveryIDs: [Int64], eventIDs: [Int64], stored: Set<Int64>) {
        // The arrays name rows by their place in the batch (1, 2, …); the statement maps places to ids.
        let deliveryIDs = (0..<deliveries.count).map { Int64($0 + 1) }
        let eventIDs = (0..<eventCount).map { Int64($0 + 1) }
        var b = PostgresBindings(capacity: 36)
        var (source, key, origin, format, client, headers) = ([String](), [String](), [String](), [String](), [String](), [String]())
        var (received, bodies, counts, rootIDs) = ([Int64](), [ByteBuffer](), [Int32](), [Int64]())
        var (eID, eDelivery, ePosition, eType, eEntityType, eEntityID) = ([Int64](), [Int64](), [Int32](), [String](), [String](), [String]())
        var (eTenant, eOrdering, eReceived, eDepth, eJSON, eHasJSON) = ([String](), [String](), [Int64](), [Int32](), [ByteBuffer](), [Bool]())
        var (jEvent, jDelivery, jSeq, jPlugin, jDue, jReceived) = ([Int64](), [Int64](), [Int32](), [String](), [Int64](), [Int64]())
        var (jLane, jLaneOrder, jDebounce) = ([String](), [String](), [String]())
        var nextEvent = 0
        for (index, delivery) in deliveries.enumerated() {
            let id = deliveryIDs[index]
            source.append(delivery.source)
            key.append(delivery.idempotencyKey)
            origin.append(delivery.idempotencyKeyOrigin)
            format.append(delivery.format.rawValue)
            received.append(delivery.receivedAtUnixMilliseconds)
            client.append(delivery.clientAddress)
            headers.append(Self.text(StoredForm.headersText(delivery.headers)))
            bodies.append(ByteBuffer(bytes: delivery.body))
            counts.append(Int32(clamping: delivery.events.count))
            rootIDs.append(roots[index] ?? 0)
            for (position, event) in delivery.events.enumerated() {
                let eventID = eventIDs[nextEvent]
                nextEvent += 1
                eID.append(eventID)
                eDelivery.append(id)
                ePosition.append(Int32(clamping: position))
                eType.append(Self.text(event.eventType))
                eEntityType.append(Self.text(event.entityType))
                eEntityID.append(Self.text(event.entityId))
                eTenant.append(Self.text(event.tenant))
                eOrdering.append(Self.text(event.orderingKey))
                eReceived.append(delivery.receivedAtUnixMilliseconds)
                eDepth.append(Int32(clamping: event.derivationDepth))
                // The guide format's event is the body itself: not stored twice.
                let own = event.json != delivery.body
                eJSON.append(ByteBuffer(bytes: own ? event.json : []))
                eHasJSON.append(own)
                let laneOrder = event.orderedPlugins.isEmpty ? "" : StoredForm.laneOrder(event.orderingKey)
                for plugin in event.plugins {
                    let entity = Self.text(StoredForm.entityLane(plugin: plugin, event: event))
                    let ordered = event.orderedPlugins.contains(plugin)
                    let window = event.debounceMilliseconds[plugin]
                    jEvent.append(eventID)
                    jDelivery.append(id)
                    jSeq.append(Int32(clamping: jSeq.count))
                    jPlugin.append(plugin)
                    jDue.append(delivery.receivedAtUnixMilliseconds + (window ?? 0))
                    jReceived.append(delivery.receivedAtUnixMilliseconds)
                    jLane.append(ordered ? entity : "")
                    jLaneOrder.append(ordered ? Self.text(laneOrder) : "")
                    jDebounce.append(window == nil ? "" : entity)
                }
            }
        }
        b.append(deliveryIDs); b.append(source); b.append(key); b.append(origin); b.append(format); b.append(received)
        b.append(client); b.append(headers); b.append(bodies); b.append(counts); b.append(expiries); b.append(now)
        b.append(eID); b.append(eDelivery); b.append(ePosition); b.append(eType); b.append(eEntityType); b.append(eEntityID)
        b.append(eTenant); b.append(eOrdering); b.append(eReceived); b.append(eDepth); b.append(eJSON); b.append(eHasJSON)
        b.append(jEvent); b.append(jDelivery); b.append(jSeq); b.append(jPlugin); b.append(jDue); b.append(jLane)
        b.append(jLaneOrder); b.append(jDebounce); b.append(channel); b.append(jReceived); b.append(rootIDs)
        for try await (deliveryIDs, eventIDs, stored, _) in try await connection.execute(Prepared.Deliveries(bindings: b), logger: quiet) {
            return (deliveryIDs, eventIDs, Set(stored))
        }
        return ([], [], [])
    }

    /// The statement: keys first (`k`: a new key, or an expired one taken over; a live one is
    /// left alone and returns nothing), then only the won deliveries' rows. Of several new jobs
    /// of one debounced entity in the batch the last stays pending, the others are superseded
    /// at once, as are the entity's pending jobs already stored.
    static let sql = """
        WITH din AS MATERIALIZED (
            SELECT u.place, nextval('deliveries_id_seq') AS id FROM unnest($1::int8[]) AS u(place)
        ), ein AS MATERIALIZED (
            SELECT u.place, nextval('events_id_seq') AS id FROM unnest($13::int8[]) AS u(place)
        ), k AS (
            INSERT INTO idempotency_keys (source, key, delivery_id, expires_at)
            SELECT u.source, u.key, din.id, u.expires
            FROM unnest($2::text[], $3::text[], $1::int8[], $11::int8[]) AS u(source, key, place, expires) JOIN din ON din.place = u.place
            ORDER BY u.source, u.key
            ON CONFLICT (source, key) DO UPDATE SET delivery_id = excluded.delivery_id, expires_at = excluded.expires_at
            WHERE idempotency_keys.expires_at < $12
            RETURNING delivery_id
        ), d AS (
            INSERT INTO deliveries (id, source, idempotency_key, idempotency_key_origin, format, received_at, client_address, headers, body, event_count, root_delivery_id)
            SELECT din.id, u.source, u.key, u.origin, u.format, u.received, u.client, u.headers, u.body, u.events, NULLIF(u.root, 0)
            FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::text[], $9::bytea[], $10::int4[], $35::int8[])
                AS u(place, source, key, origin, format, received, client, headers, body, events, root)
            JOIN din ON din.place = u.place
            WHERE din.id IN (SELECT delivery_id FROM k)
        ), e AS (
            INSERT INTO events (id, delivery_id, position, event_type, entity_type, entity_id, tenant, ordering_key, received_at, derivation_depth, json)
            SELECT ein.id, din.id, u.position, u.type, u.entity_type, u.entity_id, u.tenant, u.ordering, u.received, u.depth,
                   CASE WHEN u.has_json THEN u.json END
            FROM unnest($13::int8[], $14::int8[], $15::int4[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::int8[], $22::int4[], $23::bytea[], $24::bool[])
                AS u(place, delivery, position, type, entity_type, entity_id, tenant, ordering, received, depth, json, has_json)
            JOIN ein ON ein.place = u.place JOIN din ON din.place = u.delivery
            WHERE din.id IN (SELECT delivery_id FROM k)
        ), s AS (
            UPDATE jobs SET state = 'superseded', updated_at = $12
            WHERE state = 'pending' AND debounce_key IN (
                SELECT u.debounce FROM unnest($32::text[], $26::int8[]) AS u(debounce, delivery) JOIN din ON din.place = u.delivery
                WHERE u.debounce <> '' AND din.id IN (SELECT delivery_id FROM k))
        ), j AS (
            INSERT INTO jobs (event_id, plugin, state, due_at, updated_at, lane, lane_order, debounce_key)
            SELECT ein.id, u.plugin,
                   CASE WHEN u.debounce <> '' AND u.seq <> max(u.seq) OVER (PARTITION BY u.debounce) THEN 'superseded' ELSE 'pending' END,
                   u.due, u.received, NULLIF(u.lane, ''), u.lane_order, NULLIF(u.debounce, '')
            FROM unnest($25::int8[], $26::int8[], $27::int4[], $28::text[], $29::int8[], $30::text[], $31::text[], $32::text[], $34::int8[])
                AS u(event, delivery, seq, plugin, due, lane, lane_order, debounce, received)
            JOIN ein ON ein.place = u.event JOIN din ON din.place = u.delivery
            WHERE din.id IN (SELECT delivery_id FROM k)
            ORDER BY u.seq
            RETURNING 1
        )
        SELECT ARRAY(SELECT id FROM din ORDER BY place), ARRAY(SELECT id FROM ein ORDER BY place), ARRAY(SELECT delivery_id FROM k),
               (SELECT count(*) FROM (SELECT pg_notify($33, '') WHERE EXISTS (SELECT 1 FROM j)) AS n)
        """

    /// `text` as PostgreSQL's text type takes it: it cannot hold NUL, which becomes U+FFFD
    /// (the event's JSON, a bytea, keeps every byte).
    static func text(_ text: String) -> String {
        text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }
}

/// A logger that drops everything: statements are logged by the store, with context, not by the driver.
let quiet = Logger(label: "acuhook.postgres") { _ in SwiftLogNoOpLogHandler() }
