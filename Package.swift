// swift-tools-version:6.1
import PackageDescription

/// Settings every Swift target shares: strict concurrency (Swift 6 mode) and `any` spelled out.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The packages' products several targets use.
extension Target.Dependency {
    static let logging: Self = .product(name: "Logging", package: "swift-log")
    static let coreMetrics: Self = .product(name: "CoreMetrics", package: "swift-metrics")
    static let metricsTestKit: Self = .product(name: "MetricsTestKit", package: "swift-metrics")
    static let serviceLifecycle: Self = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let nioCore: Self = .product(name: "NIOCore", package: "swift-nio")
    static let nioPosix: Self = .product(name: "NIOPosix", package: "swift-nio")
    static let grdb: Self = .product(name: "GRDB", package: "GRDB.swift")
    static let hummingbird: Self = .product(name: "Hummingbird", package: "hummingbird")
    static let postgresNIO: Self = .product(name: "PostgresNIO", package: "postgres-nio")
    static let asyncHTTPClient: Self = .product(name: "AsyncHTTPClient", package: "async-http-client")
}

/// A handler plugin built as a shared library (`lib<name>.so`) from `Plugins/<folder>`.
func swiftPlugin(_ name: String, folder: String) -> (Product, Target) {
    (
        .library(name: name, type: .dynamic, targets: [name]),
        .target(
            name: name,
            dependencies: ["AcuhookPluginKit", "AcuhookJSON", "CAcuhookPlugin"],
            path: "Plugins/\(folder)",
            swiftSettings: swiftSettings
        )
    )
}

/// A plugin written in plain C against the ABI header alone.
func cPlugin(_ name: String, folder: String) -> (Product, Target) {
    (
        .library(name: name, type: .dynamic, targets: [name]),
        .target(name: name, dependencies: ["CAcuhookPlugin"], path: "Plugins/\(folder)")
    )
}

let plugins: [(Product, Target)] = [
    swiftPlugin("CustomerSync", folder: "customer-sync"),
    swiftPlugin("OrderThreshold", folder: "order-threshold"),
    cPlugin("StockLog", folder: "stock-log"),
    // Forwards events over HTTP(S): libcurl and OpenSSL (Debian's libcurl4-openssl-dev, libssl-dev).
    (
        .library(name: "HttpForward", type: .dynamic, targets: ["HttpForward"]),
        .target(
            name: "HttpForward",
            dependencies: ["CAcuhookPlugin"],
            path: "Plugins/http-forward",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("crypto")]
        )
    ),
    // Upserts customers into PostgreSQL in batches: libpq (Debian's libpq-dev).
    (
        .library(name: "PgUpsert", type: .dynamic, targets: ["PgUpsert"]),
        .target(name: "PgUpsert", dependencies: ["CAcuhookPlugin"], path: "Plugins/pg-upsert", linkerSettings: [.linkedLibrary("pq")])
    ),
]
// The tests' misbehaving fixture plugins are a package of their own (Tests/Fixtures), built by
// scripts/test.sh: they are no product of this one.

let package = Package(
    name: "acuhook",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "acuhook", targets: ["acuhook"]),
        // The C ABI header, for plugins in C (and for Tests/Fixtures).
        .library(name: "CAcuhookPlugin", targets: ["CAcuhookPlugin"]),
        .library(name: "AcuhookPluginKit", targets: ["AcuhookPluginKit"]),
        // The JSON parser and field reader shared by the host and the plugin kit.
        .library(name: "AcuhookJSON", targets: ["AcuhookJSON"]),
        // The parsers' modules, for the libFuzzer targets of Tests/Fuzz.
        .library(name: "AcuhookCore", targets: ["AcuhookCore"]),
        .library(name: "AcuhookInbound", targets: ["AcuhookInbound"]),
        .library(name: "AcuhookConfig", targets: ["AcuhookConfig"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The C ABI: one header, nothing compiled. The only contract between host and plugins.
        .target(name: "CAcuhookPlugin"),

        // JSON without Foundation: the strict parser (the receive path's) and the field reader by
        // path (plugins'). No dependencies: the plugin template carries a copy.
        .target(name: "AcuhookJSON", swiftSettings: swiftSettings),

        // Pure logic: event types, patterns, router, circuit breaker. No I/O, no NIO.
        .target(name: "AcuhookCore", dependencies: ["AcuhookJSON"], swiftSettings: swiftSettings),

        // Swift helpers for writing a plugin against the C ABI; linked into each plugin, never the host.
        .target(name: "AcuhookPluginKit", dependencies: ["CAcuhookPlugin", "AcuhookJSON"], swiftSettings: swiftSettings),

        // dlopen, negotiation, registry and the in-process runner.
        .target(
            name: "AcuhookPluginHost",
            dependencies: [
                "AcuhookCore",
                "CAcuhookPlugin",
                .coreMetrics,
                .logging,
                .nioPosix,
            ],
            swiftSettings: swiftSettings
        ),

        // Pure logic for inbound deliveries: verifiers, normalisers, IP allow-lists, rate limits.
        .target(
            name: "AcuhookInbound",
            dependencies: ["AcuhookJSON", "AcuhookCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        // The durable store's roles (inbox, jobs, dead letters, overrides, delivery log), its value
        // types and the settings read from the file. No database driver.
        .target(
            name: "AcuhookStore",
            dependencies: ["AcuhookCore", .coreMetrics, .logging, .serviceLifecycle],
            swiftSettings: swiftSettings
        ),

        // One machine's store: a SQLite file (GRDB) behind the EventStore protocol.
        .target(
            name: "AcuhookSQLite",
            dependencies: [
                "AcuhookCore",
                "AcuhookStore",
                .grdb,
                // SQLite's C API, for binding the per-delivery inserts directly (see BoundStatement).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .coreMetrics,
                .logging,
            ],
            swiftSettings: swiftSettings
        ),

        // The shared store for several instances: PostgreSQL (postgres-nio's PostgresClient pool)
        // behind the same EventStore protocol.
        .target(
            name: "AcuhookPostgres",
            dependencies: ["AcuhookCore", "AcuhookStore", .postgresNIO, .coreMetrics, .logging, .nioCore, .nioPosix],
            swiftSettings: swiftSettings
        ),

        // Dispatch: stored jobs → plugin runners, retries, dead-letter queue.
        .target(
            name: "AcuhookDispatch",
            dependencies: ["AcuhookJSON", "AcuhookCore", "AcuhookStore", "AcuhookPluginHost", .logging, .serviceLifecycle],
            swiftSettings: swiftSettings
        ),

        // The HTTP receiver on Hummingbird 2.
        .target(
            name: "AcuhookServer",
            dependencies: [
                "AcuhookJSON", "AcuhookCore", "AcuhookInbound", "AcuhookStore",
                .hummingbird, .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .nioCore, .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .coreMetrics, .logging, .serviceLifecycle,
            ],
            swiftSettings: swiftSettings
        ),

        // The admin API: plugins, routes, jobs and the dead-letter queue over JSON, on its own listener.
        .target(
            name: "AcuhookAdmin",
            dependencies: [
                "AcuhookJSON", "AcuhookCore", "AcuhookInbound", "AcuhookPluginHost", "AcuhookServer", "AcuhookStore",
                .hummingbird, .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .coreMetrics, .product(name: "Prometheus", package: "swift-prometheus"), .logging, .serviceLifecycle,
            ],
            swiftSettings: swiftSettings
        ),

        // The browser console on the admin listener: server-rendered Mustache pages.
        .target(
            name: "AcuhookConsole",
            dependencies: [
                "AcuhookAdmin", "AcuhookCore", "AcuhookInbound", "AcuhookPluginHost", "AcuhookServer", "AcuhookStore",
                .hummingbird, .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .logging,
            ],
            swiftSettings: swiftSettings
        ),

        // Alerts: pure rules (AlertEvaluator) over observations, and webhook messages.
        .target(
            name: "AcuhookAlerts",
            dependencies: ["AcuhookCore", .asyncHTTPClient, .coreMetrics, .logging, .nioCore, .serviceLifecycle],
            swiftSettings: swiftSettings
        ),

        // Reading the YAML configuration file into each module's settings: the one place that
        // reads files for settings.
        .target(
            name: "AcuhookConfig",
            dependencies: ["AcuhookCore", "AcuhookInbound", "AcuhookStore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),

        // The running system built from a configuration (`buildApplication`'s role in Hummingbird):
        // every service in one group, and the store either backend opens. The only target but the
        // tests that sees both backends.
        .target(
            name: "AcuhookApplication",
            dependencies: [
                "AcuhookAdmin", "AcuhookAlerts", "AcuhookConfig", "AcuhookConsole", "AcuhookCore", "AcuhookDispatch",
                "AcuhookInbound", "AcuhookPluginHost", "AcuhookPostgres", "AcuhookServer", "AcuhookSQLite", "AcuhookStore",
                .coreMetrics, .logging, .product(name: "Prometheus", package: "swift-prometheus"), .serviceLifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The command-line tool: parses arguments and runs what the libraries build.
        .executableTarget(
            name: "acuhook",
            dependencies: [
                "AcuhookJSON", "AcuhookAdmin", "AcuhookApplication", "AcuhookCore", "AcuhookConfig", "AcuhookPluginHost",
                "AcuhookInbound", "AcuhookStore", "AcuhookSQLite", "AcuhookPostgres", "AcuhookServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .asyncHTTPClient, .coreMetrics, .logging, .nioCore, .nioPosix, .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test kit: manual clocks, an in-memory log handler and inbox, the fixture plugin locator,
        // test-only reads of both stores, and the store backends the contract tests run against.
        .target(
            name: "AcuhookTesting",
            dependencies: ["AcuhookCore", "AcuhookStore", "AcuhookSQLite", "AcuhookPostgres", .grdb, .logging],
            swiftSettings: swiftSettings
        ),

        // The end-to-end tests' HTTP requests (FoundationNetworking), apart so that the benchmarks,
        // which link AcuhookTesting, do not load libcurl.
        .target(name: "AcuhookTestingHTTP", swiftSettings: swiftSettings),

        // Benchmarks, run by hand (see Benchmarks/README.md).
        .executableTarget(
            name: "acuhook-bench",
            dependencies: [
                "AcuhookJSON", "AcuhookCore", "AcuhookPostgres", "AcuhookPluginHost", "AcuhookInbound", "AcuhookServer",
                "AcuhookStore", "AcuhookSQLite", "AcuhookTesting", "AcuhookDispatch", "CAcuhookPlugin",
                .postgresNIO, .grdb, .hummingbird, .nioCore, .nioPosix, .serviceLifecycle,
            ],
            path: "Benchmarks/acuhook-bench",
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "AcuhookJSONTests", dependencies: ["AcuhookJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "AcuhookCoreTests", dependencies: ["AcuhookJSON", "AcuhookCore", "AcuhookTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AcuhookConsoleTests",
            dependencies: [
                "AcuhookConsole", "AcuhookAdmin", "AcuhookServer", "AcuhookStore", "AcuhookSQLite", "AcuhookPluginHost",
                "AcuhookInbound", "AcuhookTesting", .hummingbird, .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookAlertsTests",
            dependencies: ["AcuhookAlerts", "AcuhookTesting", .hummingbird, .asyncHTTPClient],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AcuhookConfigTests", dependencies: ["AcuhookConfig", "AcuhookTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AcuhookPluginHostTests",
            dependencies: [.metricsTestKit, "AcuhookPluginHost", "AcuhookConfig", "AcuhookStore", "AcuhookTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookInboundTests",
            dependencies: ["AcuhookJSON", "AcuhookInbound", "AcuhookTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookStoreTests",
            dependencies: [.metricsTestKit, "AcuhookStore", "AcuhookSQLite", "AcuhookPostgres", "AcuhookTesting", .postgresNIO],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookServerTests",
            dependencies: [
                .metricsTestKit, "AcuhookServer", "AcuhookAdmin", "AcuhookPluginHost", "AcuhookStore", "AcuhookSQLite",
                "AcuhookInbound", "AcuhookConfig", "AcuhookTesting", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .asyncHTTPClient, .grdb, .serviceLifecycle,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookDispatchTests",
            dependencies: [
                "AcuhookDispatch", "AcuhookStore", "AcuhookSQLite", "AcuhookPluginHost", "AcuhookConfig", "AcuhookTesting",
                .metricsTestKit,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookApplicationTests",
            dependencies: ["AcuhookApplication", "AcuhookConfig", "AcuhookCore", "AcuhookStore", "AcuhookTesting", "AcuhookTestingHTTP", .logging, .serviceLifecycle],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AcuhookCLITests",
            dependencies: [
                "AcuhookJSON", "AcuhookCore", "AcuhookInbound", "AcuhookPluginHost", "AcuhookStore", "AcuhookSQLite",
                "AcuhookTesting", "AcuhookTestingHTTP",
            ],
            swiftSettings: swiftSettings
        ),
    ] + plugins.map(\.1)
)
