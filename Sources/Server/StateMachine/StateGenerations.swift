import Foundation

/// The state machine's directories, one per generation, and the `STATE` file naming the live one.
///
/// A snapshot restore builds a whole new generation (`gen-N/` with the B+tree file and the LSM
/// directory) beside the live one, syncs it, and then switches `STATE` atomically (temp file, fsync,
/// rename, directory fsync), as LevelDB switches `CURRENT`. A crash before the rename leaves the old
/// generation live and the half-built one is deleted at the next start; a crash after it leaves the
/// new one live. Either way the node starts with a complete state.
struct StateGenerations {
    /// The node's state directory (`DATA_DIR/state`).
    let root: String

    /// The directory of generation `number`.
    func directory(of number: UInt64) -> String { "\(root)/gen-\(number)" }

    /// Opens the directory: creates it with generation 1 when new, deletes generations that are not
    /// live (left by a crash mid-restore), and returns the live generation's number.
    func openLive() throws -> UInt64 {
        let files = FileManager.default
        try files.createDirectory(atPath: root, withIntermediateDirectories: true)
        let live: UInt64
        if let text = try? String(contentsOfFile: root + "/STATE", encoding: .utf8) {
            guard let number = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw StateMachineError.corruptRecord("\(root)/STATE does not hold a generation number")
            }
            live = number
        } else {
            live = 1
            try files.createDirectory(atPath: directory(of: live), withIntermediateDirectories: true)
            try switchLive(to: live)
        }
        guard files.fileExists(atPath: directory(of: live)) else {
            throw StateMachineError.corruptRecord("\(root)/STATE names generation \(live), which is missing")
        }
        for name in try files.contentsOfDirectory(atPath: root) where name.hasPrefix("gen-") && name != "gen-\(live)" {
            try files.removeItem(atPath: root + "/" + name)
        }
        try? files.removeItem(atPath: root + "/STATE.tmp")
        return live
    }

    /// Creates the empty directory of generation `number` (removing leftovers of an earlier try).
    func prepare(_ number: UInt64) throws -> String {
        let path = directory(of: number)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Makes generation `number` the live one, durably. Its contents must be synced already.
    func switchLive(to number: UInt64) throws {
        let temporary = root + "/STATE.tmp"
        let text = Array("\(number)\n".utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StateMachineError.storage("cannot create \(temporary): errno \(errno)") }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == text.count, synced == 0 else {
            throw StateMachineError.storage("cannot write \(temporary): errno \(errno)")
        }
        guard rename(temporary, root + "/STATE") == 0 else {
            throw StateMachineError.storage("cannot rename \(temporary): errno \(errno)")
        }
        try Self.syncDirectory(root)
    }

    /// Deletes generation `number` (an old one, after a switch).
    func remove(_ number: UInt64) {
        try? FileManager.default.removeItem(atPath: directory(of: number))
    }

    /// fsyncs a directory so that renames and creations in it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw StateMachineError.storage("cannot open directory \(path): errno \(errno)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StateMachineError.storage("cannot sync \(path): errno \(errno)") }
    }
}
