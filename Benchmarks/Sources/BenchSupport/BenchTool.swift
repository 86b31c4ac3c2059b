/// What sets one comparison tool (lsm-bench, btree-bench) apart from the other: its name, its
/// engines, its extra option, and the wording and targets of its report. Everything else (options,
/// child processes, the report's layout) is shared.
public struct BenchTool: Sendable {
    /// The program's name, for messages and the report's heading.
    public let name: String
    /// The engines it can run, ours first; also the default list.
    public let engines: [String]
    /// Whether it takes `--cache-mb` (a block cache for every engine).
    public let acceptsCacheSize: Bool
    /// The report's heading, after `## <name>: `.
    public let title: String
    /// The report's line describing the workloads' setup for `options`.
    public let setup: @Sendable (BenchOptions) -> String
    /// Workloads with a target ratio of ours against the first peer (adds a target column).
    public let targets: [String: Double]
    /// What the report says about its memory columns.
    public let residentNote: String
    /// The last paragraph of the usage text.
    public let summary: String

    /// A tool description; see the properties.
    public init(
        name: String, engines: [String], acceptsCacheSize: Bool, title: String,
        setup: @escaping @Sendable (BenchOptions) -> String, targets: [String: Double] = [:], residentNote: String,
        summary: String
    ) {
        self.name = name
        self.engines = engines
        self.acceptsCacheSize = acceptsCacheSize
        self.title = title
        self.setup = setup
        self.targets = targets
        self.residentNote = residentNote
        self.summary = summary
    }

    /// The engines other than ours, in the order their columns appear.
    var peers: [String] { engines.filter { $0 != "ours" } }

    /// The usage text.
    public var usage: String {
        let pad = String(repeating: " ", count: name.count + 8)
        var text = """
            usage: \(name) [--num N] [--reads N] [--engines \(engines.joined(separator: ","))]
            \(pad)[--benchmarks \(Workload.defaultList.map(\.rawValue).joined(separator: ","))]
            \(pad)[--dir DIR]\(acceptsCacheSize ? " [--cache-mb N]" : "")

              --num N          keys in the key space and puts per fill (default 1000000)
              --reads N        operations per read workload (default: --num)
              --engines LIST   engines to compare, each run in a child process of its own
              --benchmarks L   db_bench workloads, run in the order given

            """
        if acceptsCacheSize { text += "  --cache-mb N     block cache of every engine, in MiB (default 8)\n" }
        text += """
              --dir DIR        put the databases under DIR/<engine> and keep them (default: a fresh
                               directory under /tmp, removed at the end)

            \(summary)
            """
        return text
    }
}
