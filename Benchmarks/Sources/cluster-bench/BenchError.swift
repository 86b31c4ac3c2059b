/// A failure of a benchmark run: a bad argument, an unreachable or misbehaving cluster, or a failed
/// setup step (preload, lease grants).
struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
