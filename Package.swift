// swift-tools-version: 6.1
// The raftd package: the storage engines and consensus library raftd is built from, and raftd itself.
// Each engine is a library product of its own, usable without the rest.
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "raftd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LSM", targets: ["LSM"]),
        .library(name: "Raft", targets: ["Raft"]),
        .executable(name: "lsm-tool", targets: ["lsm-tool"]),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev).
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // CRC-32C with the SSE4.2 instruction, which Swift cannot reach directly.
        .target(name: "CCRC32C"),
        .target(
            name: "LSM",
            dependencies: ["CZlib", "CCRC32C"],
            swiftSettings: strictSwift
        ),
        // The Raft library: pure protocol core, durable storage, node driver. No package dependencies.
        .target(
            name: "Raft",
            dependencies: ["CCRC32C"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "lsm-tool",
            dependencies: ["LSM"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LSMTests",
            // lsm-tool is the child process of the crash test.
            dependencies: ["LSM", "lsm-tool"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "RaftTests",
            dependencies: ["Raft"],
            swiftSettings: strictSwift
        ),
    ]
)
