import AcuhookCore
import AcuhookStore
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The store in a PostgreSQL database, shared by any number of `acuhook serve` instances.
///
/// Used the way PostgreSQL job queues (River, graphile-worker, Oban) use it: deliveries are
/// written in batches, one statement per batch (multi-row `unnest` inserts); claims take due jobs
/// with `FOR UPDATE SKIP LOCKED` under a lease and a claim token; an expired lease returns its
/// jobs to the queue; new jobs wake the other instances with `NOTIFY` (a hint: they poll too).
/// Per-entity ordering is enforced by the claim query and a unique index; idempotency by the
/// key table's primary key. No connection or transaction is ever held across a plugin call.
///
/// ``connect(_:wallClock:logger:metricsFactory:)`` connects once to check the server and apply
/// migrations; the store then works while its ``services`` run: postgres-nio's `PostgresClient`
/// pool and the store's own work (the writer, the statement watchdog, the `LISTEN` connection).
/// Listed first in a `ServiceGroup`, they stop last, so shutdown can still hand jobs back.
/// ``open(_:wallClock:logger:metricsFactory:)`` runs them in a group of its own, for a command or a
/// test, until ``close()``.
///
/// The concerns live in one file each: `+Inbox`, `+Jobs`, `+DeadLetters`, `+DeliveryLog`,
/// `+Overrides`; the batched statements in ``DeliveryBatch`` and ``CompletionBatch``.
public final class PostgresEventStore: EventStore, Sendable {
    /// Its settings.
    public let configuration: PostgresSettings
    /// The pool (package: the test kit reads tables through it).
    package let client: PostgresClient
    let logger: Logger
    let wallClock: any WallClock
    let metricsFactory: any MetricsFactory
    let accepts: AcceptQueue
    let metrics: StoreMetrics
    /// Bounds the statements of a connection held across batches (the writer's).
    let watchdog: StatementWatchdog
    /// The group ``open(_:wallClock:logger:metricsFactory:)`` runs the services in, ended by ``close()``.
    private let ownGroup: Mutex<(group: ServiceGroup, task: Task<Void, Never>)?> = Mutex(nil)
    private let wakeups: Mutex<[@Sendable () -> Void]> = Mutex([])
    /// Set when the pool's service starts: a lease asked for before waits for it.
    private let poolRunning = Atomic<Bool>(false)
    /// Yields once, when the first ``onNewJobs(_:)`` handler asks for the `LISTEN` connection.
    private let listenRequest = AsyncStream.makeStream(of: Void.self)
    /// Who claims: `host:pid`, kept with each claimed job (`jobs.claimed_by`) for operators.
    let instance = "\(ProcessInfo.processInfo.hostName):\(getpid())"
    /// When the rescuer last returned expired leases (ms since the epoch).
    let lastRescue = Atomic<Int64>(0)

    /// The `NOTIFY` channel new jobs are announced on.
    var channel: String { "\(configuration.schema)_jobs" }

    /// Where it keeps everything (the URL, password hidden).
    public var location: String { configuration.displayURL }

    private init(configuration: PostgresSettings, client: PostgresClient, wallClock: any WallClock, logger: Logger, metricsFactory: any MetricsFactory) {
        self.configuration = configuration
        self.wallClock = wallClock
        self.client = client
        self.logger = logger
        self.metricsFactory = metricsFactory
        self.accepts = AcceptQueue()
        self.metrics = StoreMetrics(factory: metricsFactory)
        self.watchdog = StatementWatchdog(limit: configuration.operationTimeout)
    }

    /// Connects, checks the server and the credentials, applies missing migrations (under a lock
    /// shared by every instance) and makes the pool, which serves nothing until ``services`` run.
    /// Fails with a message saying what to do: an unreachable server (naming it), a refused
    /// password, a schema newer than this binary.
    public static func connect(
        _ configuration: PostgresSettings,
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) async throws(StoreError) -> PostgresEventStore {
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: connectionConfiguration(configuration, searchPath: nil),
                id: 0,
                logger: logger
            ).get()
            do {
                try await PostgresSchema.migrate(connection, schema: configuration.schema, logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw PostgresProblem.storeError("cannot open the PostgreSQL store at \(configuration.displayURL)", error, configuration: configuration)
        }
        var options = PostgresClient.Configuration.Options()
        options.maximumConnections = configuration.poolSize
        options.minimumConnections = min(2, configuration.poolSize)
        options.connectTimeout = configuration.connectTimeout
        // JIT compiling pays off for long analytical queries, never for these short ones.
        options.additionalStartupParameters = [("search_path", configuration.schema), ("application_name", "acuhook"), ("jit", "off")]
        var clientConfiguration = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: clientTLS(configuration.tls)
        )
        if configuration.host.hasPrefix("/") {
            clientConfiguration = PostgresClient.Configuration(
                unixSocketPath: socketPath(configuration), username: configuration.username, password: configuration.password, database: configuration.database
            )
        }
        clientConfiguration.options = options
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        return PostgresEventStore(configuration: configuration, client: client, wallClock: wallClock, logger: logger, metricsFactory: metricsFactory)
    }

    /// ``connect(_:wallClock:logger:metricsFactory:)``, with the ``services`` running in a group
    /// of the store's own until ``close()``: for a command or a test, not inside another group.
    public static func open(
        _ configuration: PostgresSettings,
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) async throws(StoreError) -> PostgresEventStore {
        let store = try await connect(configuration, wallClock: wallClock, logger: logger, metricsFactory: metricsFactory)
        let group = ServiceGroup(services: store.services, logger: logger)
        let task = Task<Void, Never> { try? await group.run() }
        store.ownGroup.withLock { $0 = (group, task) }
        return store
    }

    /// What keeps the store working, in start order: postgres-nio's pool, then the store's own
    /// work. A `ServiceGroup` stops them in reverse, so the writer commits the deliveries
    /// queued before the pool ends.
    public var services: [any Service] { [Pool(store: self), Background(store: self)] }

    /// Stops the group ``open(_:wallClock:logger:metricsFactory:)`` started (the writer finishes
    /// the deliveries queued first); nothing for a store whose ``services`` run elsewhere.
    public func close() async {
        guard let own = ownGroup.withLock({ own in defer { own = nil }; return own }) else { return }
        await own.group.triggerGracefulShutdown()
        await own.task.value
    }

    /// postgres-nio's pool, marked running as it starts.
    private struct Pool: Service {
        let store: PostgresEventStore

        func run() async {
            store.poolRunning.store(true, ordering: .releasing)
            await store.client.run()
        }
    }

    /// A pooled connection for `body`. Asked for before the pool's service started (the
    /// application applies its stored overrides as its services start), it waits for it, up to
    /// the operation timeout.
    package func withPooledConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + configuration.operationTimeout
        while !poolRunning.load(ordering: .acquiring), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return try await client.withConnection(body)
    }

    /// The store's own work: one writer, the statement watchdog and, once asked for, the
    /// `LISTEN` connection. At graceful shutdown the writer ends after the deliveries queued.
    private struct Background: Service {
        let store: PostgresEventStore

        func run() async {
            await withDiscardingTaskGroup { background in
                background.addTask { await store.watchdog.run() }
                background.addTask {
                    for await _ in store.listenRequest.stream {
                        await store.listen()
                        return
                    }
                }
                await withDiscardingTaskGroup { writer in
                    // One writer, as SQLite has: a batch takes everything that gathered while the
                    // previous one was written, so batches grow with the load. A second writer halves
                    // the batches and doubles the WAL flushes (Benchmarks/log.md has the numbers).
                    writer.addTask { await store.writeAccepts() }
                    try? await gracefulShutdown()
                    store.accepts.close()
                }
                background.cancelAll()
            }
        }
    }

    /// Calls `handler` when another instance (or this one) commits new jobs: a `LISTEN` on a
    /// connection of its own, reopened when lost.
    public func onNewJobs(_ handler: @escaping @Sendable () -> Void) {
        let first = wakeups.withLock { handlers in
            handlers.append(handler)
            return handlers.count == 1
        }
        if first { listenRequest.continuation.yield() }
    }

    private func listen() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await withPooledConnection { connection in
                    try await connection.listen(on: self.channel) { notifications in
                        delay = .milliseconds(100)
                        for try await _ in notifications {
                            for handler in self.wakeups.withLock({ $0 }) { handler() }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("LISTEN connection lost; polling covers the gap", metadata: ["acuhook.error": "\(PostgresProblem.describe(error))"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    static func connectionConfiguration(_ configuration: PostgresSettings, searchPath: String?) throws -> PostgresConnection.Configuration {
        var result: PostgresConnection.Configuration
        if configuration.host.hasPrefix("/") {
            result = .init(unixSocketPath: socketPath(configuration), username: configuration.username, password: configuration.password, database: configuration.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch configuration.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            result = .init(host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password, database: configuration.database, tls: tls)
        }
        result.options.connectTimeout = .milliseconds(configuration.connectTimeout.wholeMilliseconds)
        if let searchPath { result.options.additionalStartupParameters = [("search_path", searchPath)] }
        return result
    }

    private static func clientTLS(_ mode: PostgresSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// libpq's socket file in the folder `host` names.
    private static func socketPath(_ configuration: PostgresSettings) -> String {
        "\(configuration.host)/.s.PGSQL.\(configuration.port)"
    }

    // MARK: Running statements

    /// Runs `body` with a pooled connection, giving up after the configured operation timeout
    /// (the body goes on in the background until the server or the connection ends it); any
    /// failure becomes a ``StoreError`` (`unavailable`) saying `what`.
    ///
    /// `long`: an operator's bulk work (purges, replays, listings), given at least a minute.
    func run<T: Sendable>(_ what: String, long: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        let limit = long ? max(configuration.operationTimeout, .seconds(60)) : configuration.operationTimeout
        let result = await Deadline.race(limit) {
            try await self.withPooledConnection { connection in try await body(connection) }
        }
        return try result.mapError { PostgresProblem.storeError(what, $0, configuration: configuration) }.get()
    }

    /// ``run(_:_:)`` inside a transaction (`BEGIN` … `COMMIT`, rolled back on any error).
    /// A deadlock or serialization failure is retried twice.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            let result = await Deadline.race(configuration.operationTimeout) {
                try await self.withPooledConnection { connection in
                    try await connection.withTransaction(logger: self.logger) { connection in try await body(connection) }
                }
            }
            switch result {
            case .success(let value): return value
            case .failure(let error) where attempt < 3 && PostgresProblem.isRetryable(error): continue
            case .failure(let error): throw PostgresProblem.storeError(what, error, configuration: configuration)
            }
        }
    }
}
