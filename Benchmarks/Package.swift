// swift-tools-version: 6.1
// The benchmark tools, a package of their own so that building the root package never needs their
// peers or dependencies:
// - lsm-bench: LevelDB's db_bench workloads run against the LSM engine of the root package and, for
//   comparison, against the system's LevelDB and RocksDB through their C APIs.
// - cluster-bench: a closed-loop HTTP load generator for a raftd or etcd cluster (SwiftNIO directly,
//   so that its cost per request stays small beside the servers on the same cores).
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "lsm-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "raftd", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        // LevelDB's C API (Debian: libleveldb-dev, built with snappy).
        .systemLibrary(
            name: "CLevelDB",
            path: "Sources/CLevelDB",
            providers: [.apt(["libleveldb-dev"])]
        ),
        // RocksDB's C API (Debian: librocksdb-dev, built with zlib, snappy, lz4, zstd, bzip2).
        .systemLibrary(
            name: "CRocksDB",
            path: "Sources/CRocksDB",
            providers: [.apt(["librocksdb-dev"])]
        ),
        .executableTarget(
            name: "lsm-bench",
            dependencies: [
                "CLevelDB",
                "CRocksDB",
                .product(name: "LSM", package: "raftd"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "cluster-bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "cluster-benchTests",
            dependencies: ["cluster-bench"],
            swiftSettings: strictSwift
        ),
    ]
)
