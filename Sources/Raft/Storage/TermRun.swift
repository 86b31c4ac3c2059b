/// A run of consecutive log entries of one term: the log keeps one per term change, so the term of
/// any entry is known without reading a file, in memory proportional to the number of terms.
struct TermRun: Hashable {
    /// The index of the run's first entry.
    var startIndex: UInt64
    /// The term of every entry of the run.
    var term: UInt64
}
