/// A failure of a benchmark run: an engine error, a bad argument, or a failed child process.
public struct BenchError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
