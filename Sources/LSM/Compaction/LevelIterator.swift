/// Iterates the tables of one level (sorted by key, not overlapping) as one sorted stream, opening
/// each table's iterator only when the walk reaches it; only one table is open at a time.
///
/// How a table is opened is the caller's business (`openFile`, typically through the table cache),
/// which keeps this iterator independent of the table format.
final class LevelIterator: InternalIterator {
    private let files: [FileMetaData]
    private let openFile: (FileMetaData) throws -> any InternalIterator
    /// The index in `files` of the open table, meaningful while `current` is not nil.
    private var fileIndex = 0
    /// The open table's iterator, or nil when none is open (before a seek, past the end, on error).
    private var current: (any InternalIterator)?
    private(set) var error: LSMError?

    /// Creates an iterator over `files` (sorted by key, disjoint) that opens each with `openFile`.
    init(files: [FileMetaData], openFile: @escaping (FileMetaData) throws -> any InternalIterator) {
        self.files = files
        self.openFile = openFile
    }

    var isValid: Bool { current?.isValid ?? false }

    func seekToFirst() {
        guard open(0) else { return }
        current?.seekToFirst()
        skipExhaustedFiles()
    }

    func seek(_ target: UnsafeRawBufferPointer) {
        guard open(firstFile(endingAtOrAfter: target)) else { return }
        current?.seek(target)
        skipExhaustedFiles()
    }

    func next() {
        guard let current else { preconditionFailure("next() on an invalid level iterator") }
        current.next()
        skipExhaustedFiles()
    }

    var key: UnsafeRawBufferPointer {
        guard let current else { preconditionFailure("key of an invalid level iterator") }
        return current.key
    }

    var value: UnsafeRawBufferPointer {
        guard let current else { preconditionFailure("value of an invalid level iterator") }
        return current.value
    }

    /// The index of the first file whose largest key is at or after `target`, or `files.count`.
    private func firstFile(endingAtOrAfter target: UnsafeRawBufferPointer) -> Int {
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            let before = files[middle].largest.withUnsafeBytes { InternalKey.compare($0, target) < 0 }
            if before { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Makes file `index` the open one (reusing its iterator if it already is); past the last file
    /// nothing is open. Returns false, with `error` set, when opening fails or an error is pending.
    private func open(_ index: Int) -> Bool {
        guard error == nil else { return false }
        if index >= files.count {
            current = nil
            fileIndex = files.count
            return true
        }
        if current != nil && index == fileIndex { return true }
        current = nil
        fileIndex = index
        do {
            current = try openFile(files[index])
            return true
        } catch let failure as LSMError {
            error = failure
        } catch {
            self.error = .invalidArgument("opening table \(files[index].number) failed: \(error)")
        }
        return false
    }

    /// While the open table is exhausted, moves on to the start of the next one. A table that
    /// reports an error stops the walk with that error.
    private func skipExhaustedFiles() {
        while let table = current, !table.isValid {
            if let tableError = table.error {
                error = tableError
                current = nil
                return
            }
            guard open(fileIndex + 1) else { return }
            current?.seekToFirst()
        }
    }
}
