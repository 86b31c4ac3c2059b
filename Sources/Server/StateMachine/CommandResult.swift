/// What applying one log entry did, as the proposer learns it.
enum CommandResult: Sendable, Equatable {
    /// The entry was a no-op or configuration entry.
    case none
    /// The command was applied with this outcome.
    case applied(ApplyOutcome)
    /// The entry's bytes are not a command this version understands; nothing changed anywhere.
    case rejected(String)
}
