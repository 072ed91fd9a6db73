// swift-tools-version:6.1
import PackageDescription

// An Acuhook handler plugin. `swift build -c release` produces
// .build/release/libMyPlugin.so, which `acuhook` loads with dlopen.
//
// CAcuhookPlugin and AcuhookPluginKit are copies of the host's ABI header and Swift helpers:
// keep them as they are (a newer Acuhook ships newer copies; `acuhook new-plugin` takes them
// from the host you run it with).
let package = Package(
    name: "MyPlugin",
    products: [
        .library(name: "MyPlugin", type: .dynamic, targets: ["MyPlugin"]),
    ],
    targets: [
        .target(name: "CAcuhookPlugin"),
        .target(
            name: "AcuhookPluginKit",
            dependencies: ["CAcuhookPlugin"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .target(
            name: "MyPlugin",
            dependencies: ["AcuhookPluginKit", "CAcuhookPlugin"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
