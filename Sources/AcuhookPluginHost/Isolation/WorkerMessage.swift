import AcuhookCore

/// The messages between the host and an isolated worker (`acuhook plugin-worker`), carrying the
/// same fields as the C ABI's `acuhook_event` and `acuhook_result`.
///
/// On the wire each message is a frame: a 4-byte little-endian payload length, then the payload,
/// whose first byte is the kind. Strings and byte strings are a 4-byte little-endian length and
/// the bytes; integers are little-endian. The host writes requests to the worker's stdin; the
/// worker writes replies to its stdout (the plugin's own stdout is redirected to stderr first).
public enum WorkerMessage: Sendable, Equatable {
    /// Worker → host, once, after loading: the plugin's descriptor (or why it could not load).
    case hello(WorkerHello)
    /// Host → worker: handle `calls` in call `id`: with `asBatch`, in one `handle_batch` call
    /// when the plugin has it, otherwise one `handle` call after another.
    case call(id: UInt64, asBatch: Bool, calls: [WorkerCall])
    /// Worker → host: how each event of call `id` ended, in order.
    case reply(id: UInt64, [PluginCallResult])

    /// Largest payload either side accepts (64 MiB): anything bigger is a broken stream.
    public static let maxPayload = 64 << 20
}

/// What a worker says after loading its plugin.
public struct WorkerHello: Sendable, Equatable {
    /// The plugin's name, or empty when loading failed.
    public var name: String
    /// Its version.
    public var version: String
    /// Whether it may be called concurrently.
    public var threadSafe: Bool
    /// Why loading or `create` failed, or nil.
    public var error: String?

    /// Creates a hello.
    public init(name: String, version: String, threadSafe: Bool, error: String? = nil) {
        self.name = name
        self.version = version
        self.threadSafe = threadSafe
        self.error = error
    }
}

/// One event of a call to a worker, with its attempt number.
public struct WorkerCall: Sendable, Equatable {
    /// Which attempt, from 1.
    public var attempt: Int32
    /// The event.
    public var event: WorkerEvent

    /// A call of `event`.
    public init(attempt: Int32, event: WorkerEvent) {
        self.attempt = attempt
        self.event = event
    }
}

/// An event as sent to a worker: the fields of `acuhook_event`.
public struct WorkerEvent: Sendable, Equatable {
    /// `Entity.Action`.
    public var eventType: String
    /// Entity type.
    public var entityType: String
    /// Entity id.
    public var entityId: String
    /// The delivery's idempotency key.
    public var deliveryId: String
    /// Tenant.
    public var tenant: String
    /// Receipt time, ms since the epoch.
    public var receivedAtUnixMilliseconds: Int64
    /// Steps from a received event (0 for received ones).
    public var derivationDepth: Int32
    /// The normalised event document.
    public var json: [UInt8]

    /// The fields of `event`.
    public init(_ event: PluginEvent) {
        eventType = event.eventType
        entityType = event.entityType
        entityId = event.entityId
        deliveryId = event.deliveryId
        tenant = event.tenant
        receivedAtUnixMilliseconds = event.receivedAtUnixMilliseconds
        derivationDepth = Int32(event.derivationDepth)
        json = Array(event.json)
    }

    /// The event for the plugin.
    public var pluginEvent: PluginEvent {
        PluginEvent(
            eventType: eventType, entityType: entityType, entityId: entityId, deliveryId: deliveryId, tenant: tenant,
            receivedAtUnixMilliseconds: receivedAtUnixMilliseconds, json: json, derivationDepth: Int(derivationDepth)
        )
    }
}
