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
        .library(name: "Raft", targets: ["Raft", "RaftTransport"]),
        .executable(name: "raftd", targets: ["raftd"]),
        .executable(name: "lsm-tool", targets: ["lsm-tool"]),
        .library(name: "BTree", targets: ["BTree"]),
        .executable(name: "btree-tool", targets: ["btree-tool"]),
    ],
    dependencies: [
        // SwiftNIO for Raft's TCP transport; the engines and Raft's core depend on no package.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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
        // Raft's TCP transport over SwiftNIO, kept out of `Raft` so the core and storage need no package.
        .target(
            name: "RaftTransport",
            dependencies: [
                "Raft",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        // The child process of the Raft storage crash test: appends synced entries and prints each
        // acknowledged index until killed.
        .executableTarget(
            name: "raft-storage-stress",
            dependencies: ["Raft"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "lsm-tool",
            dependencies: ["LSM"],
            swiftSettings: strictSwift
        ),
        // raftd's server: the replicated state machine, the lease manager and the HTTP API.
        .target(
            name: "Server",
            dependencies: [
                "LSM",
                "BTree",
                "Raft",
                "RaftTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        // The raftd executable: the command line, nothing else.
        .executableTarget(
            name: "raftd",
            dependencies: [
                "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ServerTests",
            // raftd is the child process of the multi-process cluster tests (Tests/ServerTests/Cluster).
            dependencies: ["Server", "raftd"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LSMTests",
            // lsm-tool is the child process of the crash test.
            dependencies: ["LSM", "lsm-tool"],
            swiftSettings: strictSwift
        ),
        // The copy-on-write B+tree engine: one mmap'd file, one writer, many readers.
        .target(
            name: "BTree",
            dependencies: ["CCRC32C"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "btree-tool",
            dependencies: ["BTree"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "BTreeTests",
            // btree-tool is the child process of the crash test.
            dependencies: ["BTree", "btree-tool"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "RaftTests",
            // raft-storage-stress is the child process of the storage crash test.
            dependencies: ["Raft", "RaftTransport", "raft-storage-stress"],
            swiftSettings: strictSwift
        ),
    ]
)
