/// Why the state machine refused a command or could not read its own state.
enum StateMachineError: Error, Sendable, Equatable {
    /// A stored record (lease, index entry) failed to decode: the storage under the state machine is
    /// damaged. Not recoverable by retrying.
    case corruptRecord(String)
    /// A command's bytes failed to decode (a bug or a foreign log); the entry is skipped as a no-op on
    /// every node alike, because decoding is deterministic.
    case malformedCommand(String)
    /// A file operation of the state machine failed (the message names the file and errno).
    case storage(String)
}
