// swift-tools-version:6.1
import PackageDescription

// An Acuhook handler plugin. `swift build -c release` produces
// .build/release/libMyPlugin.so, which `acuhook` loads with dlopen.
//
// CAcuhookPlugin, AcuhookJSON and AcuhookPluginKit are copies of the host's ABI header, its JSON
// reader and its Swift helpers:
// keep them as they are (a newer Acuhook ships newer copies; `acuhook new-plugin` takes them
// from the host you run it with).
let package = Package(
    name: "MyPlugin",
    products: [
        .library(name: "MyPlugin", type: .dynamic, targets: ["MyPlugin"]),
    ],
    targets: [
        .target(name: "CAcuhookPlugin"),
        .target(name: "AcuhookJSON", swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .target(
            name: "AcuhookPluginKit",
            dependencies: ["CAcuhookPlugin", "AcuhookJSON"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .target(
            name: "MyPlugin",
            dependencies: ["AcuhookPluginKit", "AcuhookJSON", "CAcuhookPlugin"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
