// swift-tools-version: 6.1
// The benchmark tools, a package of their own so that building the root package never needs their
// peers or dependencies:
// - lsm-bench: LevelDB's db_bench workloads against the LSM engine and the system's LevelDB and
//   RocksDB through their C APIs.
// - btree-bench: the same workloads in transactions against the B+tree engine and LMDB.
// - raft-bench: a 3-node Raft cluster over loopback TCP with fsync, N concurrent proposers.
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
        // LMDB's C API (Debian: liblmdb-dev).
        .systemLibrary(
            name: "CLMDB",
            path: "Sources/CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // What both comparison tools share: db_bench's workloads, keys, values and random numbers,
        // the command line, the parent/child driver, resource measurements, the result-file format
        // and the markdown report. Each tool adds its engines, its workload runner and a `BenchTool`.
        .target(
            name: "BenchSupport",
            swiftSettings: [
                .swiftLanguageMode(.v6),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
        // A 3-node Raft cluster over loopback TCP with fsync, N concurrent proposers.
        .executableTarget(
            name: "raft-bench",
            dependencies: [
                .product(name: "Raft", package: "raftd")
            ],
            swiftSettings: [
                .swiftLanguageMode(.v6),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
        .executableTarget(
            name: "lsm-bench",
            dependencies: [
                "BenchSupport",
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
        .executableTarget(
            name: "btree-bench",
            dependencies: [
                "BenchSupport",
                "CLMDB",
                .product(name: "BTree", package: "raftd"),
            ],
            swiftSettings: [
                .swiftLanguageMode(.v6),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
    ]
)
