// btree-tool: inspect and use a BTree database file from the shell, like the `bbolt` command. Every
// command prints to standard output; errors go to standard error with exit status 1.

import BTree

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    usage: btree-tool COMMAND ARGS

    Inspecting (opens the file read-only, so it fails while a writer has it open):
      info FILE                 page size, both meta pages, sizes
      stats FILE                database counters and the shape of every top-level bucket
      pages FILE                every page: id, kind, elements, bucket
      check FILE                walk every page; exit status 1 if anything is wrong
      keys FILE BUCKET          the keys of BUCKET ("a/b" for a nested bucket), one per line
      get FILE BUCKET KEY       the value of KEY in BUCKET

    Changing (opens the file read-write, creating it if needed):
      put FILE BUCKET KEY VALUE store VALUE under KEY in BUCKET (created if missing), synced

    Testing:
      stress FILE [--start N] [--count N]
                                commit key stress-N into bucket "stress", one synced transaction each,
                                printing N once the commit returned; every fifth transaction also writes
                                batch-N-0..2 in the same transaction

    Keys and values are taken as UTF-8 text; in output, non-printable bytes are shown as \\xNN.
    """

/// Writes `message` to standard error and exits with status 1.
func fail(_ message: String) -> Never {
    let line = "btree-tool: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

/// Shows bytes as text, escaping what is not printable ASCII.
func printable(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
        if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
            text.append(Character(Unicode.Scalar(byte)))
        } else {
            let hex = String(byte, radix: 16)
            text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return text
}

/// The value of `--name VALUE` in `arguments`, if present.
func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// The deterministic value `stress` writes under index `i`, so that a checker can tell a correct value
/// from a damaged one.
func stressValue(_ i: Int) -> [UInt8] {
    (0..<100).map { UInt8(truncatingIfNeeded: (i &* 131 &+ $0 &* 7) ^ (i >> 3)) }
}

/// The bucket at `path` ("a/b/c"), or nil.
func bucket(_ path: String, in tx: Transaction) throws -> Bucket? {
    let parts = path.split(separator: "/").map { Array($0.utf8) }
    guard let first = parts.first, var current = try tx.bucket(first) else { return nil }
    for part in parts.dropFirst() {
        guard let next = try current.bucket(part) else { return nil }
        current = next
    }
    return current
}

func openReadOnly(_ path: String) throws -> BTreeDB {
    var options = BTreeOptions()
    options.readOnly = true
    return try BTreeDB(path: path, options: options)
}

func runStress(path: String, start: Int, count: Int) throws {
    let db = try BTreeDB(path: path)
    for i in start..<(start + count) {
        try db.update { tx in
            let b = try tx.createBucketIfNotExists("stress")
            try b.put(Array("stress-\(i)".utf8), stressValue(i))
            if i % 5 == 0 {
                for part in 0..<3 { try b.put(Array("batch-\(i)-\(part)".utf8), stressValue(i)) }
            }
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
    case "info":
        let path = argument(0, "FILE")
        for meta in try BTreeInspector.metaPages(path: path) { print(meta) }
        let db = try openReadOnly(path)
        let stats = db.stats()
        print("page size: \(stats.pageSize)")
        print("transaction id: \(stats.transactionID)")
        print("pages: \(stats.pageCount), free: \(stats.freePages)")
        print("file size: \(stats.fileSize)")
        try db.close()
    case "stats":
        let db = try openReadOnly(argument(0, "FILE"))
        print(db.stats())
        try db.view { tx in
            let cursor = try tx.cursor()
            var entry = try cursor.first()
            while let (name, _) = entry {
                if let b = try tx.bucket(name) { print("bucket \(printable(name)): \(try b.stats())") }
                entry = try cursor.next()
            }
        }
        try db.close()
    case "pages":
        let db = try openReadOnly(argument(0, "FILE"))
        let (pages, problems) = try BTreeInspector.pages(of: db)
        print("id\tkind\tdetail")
        for page in pages { print(page) }
        for problem in problems { print("PROBLEM: \(problem)") }
        try db.close()
    case "check":
        let db = try openReadOnly(argument(0, "FILE"))
        do {
            try db.check()
            print("ok: \(db.stats().pageCount) pages checked")
        } catch BTreeError.checkFailed(let problems) {
            for problem in problems { print("PROBLEM: \(problem)") }
            exit(1)
        }
        try db.close()
    case "keys":
        let db = try openReadOnly(argument(0, "FILE"))
        let name = argument(1, "BUCKET")
        try db.view { tx in
            guard let b = try bucket(name, in: tx) else { fail("bucket \(name) not found") }
            try b.forEach { key, value in print(value == nil ? printable(key) + "/" : printable(key)) }
        }
        try db.close()
    case "get":
        let db = try openReadOnly(argument(0, "FILE"))
        let name = argument(1, "BUCKET")
        let key = argument(2, "KEY")
        try db.view { tx in
            guard let b = try bucket(name, in: tx) else { fail("bucket \(name) not found") }
            guard let value = try b.get(Array(key.utf8)) else { fail("key not found") }
            print(printable(value))
        }
        try db.close()
    case "put":
        let db = try BTreeDB(path: argument(0, "FILE"))
        let parts = argument(1, "BUCKET").split(separator: "/").map { Array($0.utf8) }
        let key = Array(argument(2, "KEY").utf8)
        let value = Array(argument(3, "VALUE").utf8)
        try db.update { tx in
            guard let first = parts.first else { fail("empty bucket name") }
            var b = try tx.createBucketIfNotExists(first)
            for part in parts.dropFirst() { b = try b.createBucketIfNotExists(part) }
            try b.put(key, value)
        }
        try db.close()
    case "stress":
        let start = option("--start", in: args).flatMap { Int($0) } ?? 0
        let count = option("--count", in: args).flatMap { Int($0) } ?? 1_000_000
        try runStress(path: argument(0, "FILE"), start: start, count: count)
    case "help", "--help", "-h":
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
