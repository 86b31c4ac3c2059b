import BenchSupport

/// The command line of `btree-bench`, as the user gives it (parent mode) and as the parent gives it to
/// each engine's child process (child mode, with `--engine`).
struct BTreeBenchOptions: Sendable {
    /// Keys in the key space, and puts per fill.
    var num = 1_000_000
    /// Operations per read workload; nil means `num`.
    var reads: Int?
    /// Engines to run, in the report's order.
    var engines = ["ours", "lmdb"]
    /// Workloads to run, in order.
    var workloads = BTreeWorkload.defaultList
    /// Directory for the databases; nil means a fresh temporary directory, removed afterwards.
    var directory: String?
    /// Child mode: the one engine this process runs.
    var engine: String?
    /// Child mode: where to write the `EngineReport`.
    var resultFile: String?
    /// Print usage and exit.
    var help = false

    /// The engines `--engines` accepts.
    static let knownEngines = ["ours", "lmdb"]

    static let usage = """
        usage: btree-bench [--num N] [--reads N] [--engines ours,lmdb]
                           [--benchmarks fillseq,fillrandom,overwrite,fillsync,readrandom,readseq,seekrandom]
                           [--dir DIR]

          --num N          keys in the key space and puts per fill (default 1000000)
          --reads N        operations per read workload (default: --num)
          --engines LIST   engines to compare, each run in a child process of its own
          --benchmarks L   workloads, run in the order given
          --dir DIR        put the databases under DIR/<engine> and keep them (default: a fresh
                           directory under /tmp, removed at the end)

        Prints a markdown report to standard output and progress to standard error.
        """

    /// Parses `arguments` (without the program name); accepts `--name value` and `--name=value`.
    init(parsing arguments: [String]) throws {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            func requireValue() throws -> String {
                if let value { return value }
                guard let next = remaining.popFirst() else { throw BenchError("\(name) needs a value") }
                return next
            }
            switch name {
            case "--num": num = try Self.positiveInt(requireValue(), name)
            case "--reads": reads = try Self.positiveInt(requireValue(), name)
            case "--engines":
                engines = try Self.list(requireValue())
                for engine in engines where !Self.knownEngines.contains(engine) {
                    throw BenchError("unknown engine '\(engine)' (known: \(Self.knownEngines.joined(separator: ",")))")
                }
            case "--benchmarks", "--workload-list":
                workloads = try Self.list(requireValue()).map { name in
                    guard let workload = BTreeWorkload(rawValue: name) else {
                        let known = BTreeWorkload.allCases.map(\.rawValue).joined(separator: ",")
                        throw BenchError("unknown benchmark '\(name)' (known: \(known))")
                    }
                    return workload
                }
            case "--dir": directory = try requireValue()
            case "--engine": engine = try requireValue()
            case "--result-file": resultFile = try requireValue()
            case "--help", "-h": help = true
            default: throw BenchError("unknown argument '\(argument)'\n\(Self.usage)")
            }
        }
    }

    /// Operations per read workload.
    var effectiveReads: Int { reads ?? num }

    private static func positiveInt(_ text: String, _ name: String) throws -> Int {
        guard let n = Int(text.filter { $0 != "_" && $0 != "," }), n > 0 else {
            throw BenchError("\(name) needs a positive integer, not '\(text)'")
        }
        return n
    }

    private static func list(_ text: String) throws -> [String] {
        let items = text.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw BenchError("empty list '\(text)'") }
        return items
    }
}
