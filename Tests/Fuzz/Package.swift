// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Acuhook's hand-written parsers (see README.md here). Each target's `main`
// hands its property check to libFuzzer's driver (FuzzDriver); scripts/fuzz.sh builds the package
// with `-sanitize=fuzzer,address`, which instruments the code under test and links libFuzzer.

/// One fuzz target: `Sources/<name>/main.swift`.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzDriver"] + dependencies, swiftSettings: [
        .enableUpcomingFeature("ExistentialAny"),
    ])
}

let package = Package(
    name: "AcuhookFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "acuhook", path: "../..")],
    targets: [
        // libFuzzer's driver, called from each target's main.
        .target(name: "FuzzDriver"),
        // JSONParser against Foundation's JSONSerialization: same accept/reject, same values.
        fuzzTarget("FuzzJSON", [.product(name: "AcuhookCore", package: "acuhook"), .product(name: "AcuhookJSON", package: "acuhook")]),
        // DeliveryNormalizer on push notifications (and whatever else the bytes look like).
        fuzzTarget("FuzzPushNotification", [.product(name: "AcuhookInbound", package: "acuhook"), .product(name: "AcuhookCore", package: "acuhook"), .product(name: "AcuhookJSON", package: "acuhook")]),
        // The hmac-sha256 and Standard Webhooks signature headers.
        fuzzTarget("FuzzSignatureHeaders", [.product(name: "AcuhookInbound", package: "acuhook")]),
        // Route filter expressions.
        fuzzTarget("FuzzEventFilter", [.product(name: "AcuhookCore", package: "acuhook"), .product(name: "AcuhookJSON", package: "acuhook")]),
        // The YAML configuration loader.
        fuzzTarget("FuzzConfiguration", [.product(name: "AcuhookConfig", package: "acuhook")]),
    ]
)
