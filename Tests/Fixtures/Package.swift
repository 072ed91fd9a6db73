// swift-tools-version:6.1
import PackageDescription

// Acuhook's test fixtures: plugins that misbehave on purpose, built as shared libraries for the
// tests and benchmarks (scripts/test.sh builds them; see README.md here). Never enable them in
// production. They build against the host package's ABI header and plugin kit, like any plugin.

/// A fixture written in C against the ABI header alone.
func cFixture(_ name: String, folder: String) -> (Product, Target) {
    (
        .library(name: name, type: .dynamic, targets: [name]),
        .target(name: name, dependencies: [.product(name: "CAcuhookPlugin", package: "acuhook")], path: "Plugins/\(folder)")
    )
}

let fixtures: [(Product, Target)] = [
    cFixture("FixtureScripted", folder: "scripted"),
    cFixture("FixtureSerial", folder: "serial"),
    cFixture("FixtureNoop", folder: "noop"),
    cFixture("FixtureStamp", folder: "stamp"),
    cFixture("FixtureWrongABI", folder: "wrong-abi"),
    cFixture("FixtureNoEntry", folder: "no-entry"),
    cFixture("FixtureRefuses", folder: "refuses"),
    cFixture("FixtureSmallDescriptor", folder: "small-descriptor"),
    cFixture("FixtureNewerMinor", folder: "newer-minor"),
    // Built against the frozen ABI 1.0 header (abi-1.0/), not the host's current one.
    (
        .library(name: "FixtureABI10", type: .dynamic, targets: ["FixtureABI10"]),
        .target(name: "FixtureABI10", path: "Plugins/abi-1.0-roundtrip", cSettings: [.headerSearchPath("../../abi-1.0")])
    ),
    // Built against the frozen ABI 1.1 header (abi-1.1/): the scripted fixture with a batch entry.
    (
        .library(name: "FixtureBatch", type: .dynamic, targets: ["FixtureBatch"]),
        .target(name: "FixtureBatch", path: "Plugins/batch", cSettings: [.headerSearchPath("../../abi-1.1")])
    ),
    (
        .library(name: "FixtureSwiftNoop", type: .dynamic, targets: ["FixtureSwiftNoop"]),
        .target(
            name: "FixtureSwiftNoop",
            dependencies: [.product(name: "AcuhookPluginKit", package: "acuhook"), .product(name: "CAcuhookPlugin", package: "acuhook")],
            path: "Plugins/swift-noop",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ),
]

let package = Package(
    name: "AcuhookFixtures",
    products: fixtures.map(\.0),
    dependencies: [.package(name: "acuhook", path: "../..")],
    targets: fixtures.map(\.1)
)
