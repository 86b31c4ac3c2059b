/// What applying one command did, reported to the client that proposed it.
enum ApplyOutcome: Sendable, Equatable {
    /// The change was made.
    case done
    /// The lease (or key) the command names does not exist.
    case notFound
    /// The command would create something that exists already (a lease id issued twice).
    case conflict
}
