/// A failure of a benchmark run: an engine error, a bad argument, or a failed child process.
struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
