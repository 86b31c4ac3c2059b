// lsm-tool: inspect and use an LSM directory from the shell, like LevelDB's leveldbutil and
// RocksDB's ldb/sst_dump. Every command prints to standard output; errors go to standard error with
// exit status 1.

import LSM

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    usage: lsm-tool COMMAND ARGS

    Inspecting files (no store is opened):
      dump FILE                 print every record of a WAL (.log), table (.ldb) or MANIFEST-* file
      verify DIR                check every checksum of every WAL, table and manifest in DIR

    Using a store (opens DIR, creating it if needed):
      get DIR KEY               print the value of KEY
      put DIR KEY VALUE         store VALUE under KEY (synced)
      delete DIR KEY            delete KEY (synced)
      scan DIR [--prefix P] [--from A] [--to B] [--limit N]
                                print key<TAB>value lines in key order
      stats DIR                 print level sizes and counters
      compact DIR               compact the whole key space

    Testing:
      stress DIR [--start N] [--count N] [--no-sync]
                                write keys stress-N (synced unless --no-sync), printing each N once
                                acknowledged; every fifth write is a batch of three keys batch-N-0..2

    Keys and values are taken as UTF-8 text; in output, non-printable bytes are shown as \\xNN.
    """

func fail(_ message: String) -> Never {
    let line = "lsm-tool: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

/// Shows bytes as text, escaping what is not printable ASCII.
func printable(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBytes { LSMInspector.escaped($0, limit: Int.max) }
}

/// The value of `--name VALUE` in `arguments`, if present.
func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// The deterministic value the stress command writes under index `i`, so a checker can tell a
/// correct value from a damaged one.
func stressValue(_ i: Int) -> [UInt8] {
    (0..<100).map { UInt8(truncatingIfNeeded: (i &* 131 &+ $0 &* 7) ^ (i >> 3)) }
}

func runStress(directory: String, start: Int, count: Int, sync: Bool) throws {
    let db = try LSMStore(directory: directory)
    for i in start..<(start + count) {
        if i % 5 == 0 {
            var batch = WriteBatch()
            for part in 0..<3 { batch.put(Array("batch-\(i)-\(part)".utf8), stressValue(i)) }
            try db.write(batch, sync: sync)
        } else {
            try db.put(Array("stress-\(i)".utf8), stressValue(i), sync: sync)
        }
        // Written straight to the descriptor, so the parent sees each acknowledgement at once.
        let line = "\(i)\n"
        _ = line.withCString { write(1, $0, strlen($0)) }
    }
    try db.close()
}

func run(_ arguments: [String]) throws {
    guard let command = arguments.first else {
        print(usage)
        exit(2)
    }
    let args = Array(arguments.dropFirst())
    func argument(_ index: Int, _ what: String) -> String {
        guard index < args.count else { fail("\(command): missing \(what)\n\n\(usage)") }
        return args[index]
    }
    switch command {
    case "dump":
        try LSMInspector.dump(path: argument(0, "FILE")) { print($0) }
    case "verify":
        let report = try LSMInspector.verify(directory: argument(0, "DIR"))
        for line in report.lines { print(line) }
        if !report.problems.isEmpty {
            for problem in report.problems { print("CORRUPT: \(problem)") }
            exit(1)
        }
        print("ok: every checksum verified")
    case "get":
        let db = try LSMStore(directory: argument(0, "DIR"))
        guard let value = try db.get(Array(argument(1, "KEY").utf8)) else { fail("key not found") }
        print(printable(value))
        try db.close()
    case "put":
        let db = try LSMStore(directory: argument(0, "DIR"))
        try db.put(Array(argument(1, "KEY").utf8), Array(argument(2, "VALUE").utf8), sync: true)
        try db.close()
    case "delete":
        let db = try LSMStore(directory: argument(0, "DIR"))
        try db.delete(Array(argument(1, "KEY").utf8), sync: true)
        try db.close()
    case "scan":
        let db = try LSMStore(directory: argument(0, "DIR"))
        let limit = option("--limit", in: args).flatMap { Int($0) } ?? Int.max
        let entries: [(key: [UInt8], value: [UInt8])]
        if let prefix = option("--prefix", in: args) {
            entries = try db.scan(prefix: Array(prefix.utf8), limit: limit)
        } else {
            entries = try db.scan(
                from: option("--from", in: args).map { Array($0.utf8) },
                to: option("--to", in: args).map { Array($0.utf8) }, limit: limit)
        }
        for (key, value) in entries { print("\(printable(key))\t\(printable(value))") }
        try db.close()
    case "stats":
        let db = try LSMStore(directory: argument(0, "DIR"))
        print(db.stats())
        try db.close()
    case "compact":
        let db = try LSMStore(directory: argument(0, "DIR"))
        try db.compactRange()
        print(db.stats())
        try db.close()
    case "stress":
        let start = option("--start", in: args).flatMap { Int($0) } ?? 0
        let count = option("--count", in: args).flatMap { Int($0) } ?? 1_000_000
        try runStress(
            directory: argument(0, "DIR"), start: start, count: count, sync: !args.contains("--no-sync"))
    case "help", "-h", "--help":
        print(usage)
    default:
        fail("unknown command \(command)\n\n\(usage)")
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("\(error)")
}
