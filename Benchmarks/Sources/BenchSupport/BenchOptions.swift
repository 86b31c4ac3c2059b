/// The command line of a comparison tool, both as the user gives it (parent mode) and as the parent
/// gives it to each engine's child process (child mode, when `--engine` is present).
public struct BenchOptions: Sendable {
    /// Keys in the key space, and puts per fill (db_bench's `--num`).
    public var num = 1_000_000
    /// Operations per read workload; nil means `num` (db_bench's `--reads`).
    public var reads: Int?
    /// Engines to run, in the report's order.
    public var engines: [String]
    /// Workloads to run, in order.
    public var workloads = Workload.defaultList
    /// Directory for the databases; nil means a fresh temporary directory, removed afterwards.
    public var directory: String?
    /// Child mode: the one engine this process runs.
    public var engine: String?
    /// Child mode: where to write the `EngineReport`.
    public var resultFile: String?
    /// The block cache every engine gets, in MiB (db_bench's `--cache_size`), for tools that take it.
    public var cacheMegabytes = 8
    /// Print usage and exit.
    public var help = false

    /// Parses `arguments` (without the program name) for `tool`; accepts `--name value` and
    /// `--name=value`.
    public init(parsing arguments: [String], for tool: BenchTool) throws {
        engines = tool.engines
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
                for engine in engines where !tool.engines.contains(engine) {
                    throw BenchError("unknown engine '\(engine)' (known: \(tool.engines.joined(separator: ",")))")
                }
            case "--benchmarks", "--workload-list":
                workloads = try Self.list(requireValue()).map { name in
                    guard let workload = Workload(rawValue: name) else {
                        let known = Workload.allCases.map(\.rawValue).joined(separator: ",")
                        throw BenchError("unknown benchmark '\(name)' (known: \(known))")
                    }
                    return workload
                }
            case "--dir": directory = try requireValue()
            case "--cache-mb" where tool.acceptsCacheSize: cacheMegabytes = try Self.positiveInt(requireValue(), name)
            case "--engine": engine = try requireValue()
            case "--result-file": resultFile = try requireValue()
            case "--help", "-h": help = true
            default: throw BenchError("unknown argument '\(argument)'\n\(tool.usage)")
            }
        }
    }

    /// Operations per read workload.
    public var effectiveReads: Int { reads ?? num }

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
