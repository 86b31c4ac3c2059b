// cluster-bench: a closed-loop HTTP load generator for a raftd or etcd cluster on loopback. C clients,
// each on one keep-alive connection, each sending its next request as soon as the previous response
// ends (like `hey -c C -z DURATION`), for a fixed time after a warmup; every latency goes into a
// fixed-bucket histogram. See ../../README.md for how to run it against raftd and etcd.
import Foundation
import Glibc

/// Runs every workload of `options` and prints the report; returns whether every request succeeded.
func run(_ options: ClusterBenchOptions) throws -> Bool {
    let started = Date()
    let runner = LoadRunner(threads: options.threads)
    defer { runner.shutdown() }
    let system: any ClusterSystem =
        switch options.system {
        case .raftd: RaftdSystem(options: options, runner: runner)
        case .etcd: EtcdSystem(options: options, runner: runner)
        }
    let plan = try system.resolveTargets()
    logLine("cluster-bench: \(plan.description)")
    let report = MarkdownReport(options: options)
    emit(report.header())
    var clean = true
    for workload in options.workloads {
        let requests = try system.prepare(workload, plan: plan)
        logLine(
            "cluster-bench: \(workload.rawValue): \(options.clients) clients for \(options.warmup) + "
                + "\(options.duration) s")
        let result = try runner.runTimed(
            requests: requests, targets: plan.targets, clients: options.clients, warmup: options.warmup,
            duration: options.duration)
        emit(report.row(workload, result, loadAverage: MarkdownReport.loadAverage()))
        let measured = result.report
        if measured.transportErrors + measured.redirects + measured.failures > 0 {
            clean = false
            let classes = (1...5).map { "\($0)xx=\(measured.statusClasses[$0])" }.joined(separator: " ")
            logLine(
                "cluster-bench: \(workload.rawValue): \(classes) other=\(measured.statusClasses[0]) "
                    + "transport errors=\(measured.transportErrors)"
                    + (measured.firstError.map { " (first: \($0))" } ?? ""))
            if measured.redirects > 0 {
                logLine("cluster-bench: redirects mean the target is not the leader; use --target leader")
            }
        }
        if measured.completed == 0 {
            clean = false
            logLine("cluster-bench: \(workload.rawValue): no response completed in the window")
        }
    }
    emit(
        report.footer(
            target: plan.description, commandLine: MarkdownReport.quotedCommandLine(CommandLine.arguments),
            started: started))
    return clean
}

do {
    let options = try ClusterBenchOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    if options.help {
        emit(ClusterBenchOptions.usage + "\n")
    } else if try !run(options) {
        exit(1)
    }
} catch {
    logLine("cluster-bench: \(error)")
    exit(1)
}
