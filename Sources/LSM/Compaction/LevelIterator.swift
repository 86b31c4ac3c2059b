/// Iterates the tables of one level (sorted by key, not overlapping) as one sorted stream, opening
/// each table's iterator only when the walk reaches it; only one table is open at a time.
///
/// How a table is opened is the caller's business (`openFile`, typically through the table cache),
/// which keeps this iterator independent of the table format.
///
/// Generic over the table iterator type so that the store's levels (always ``TableIterator``) step
/// through a concrete class: through an existential every access to `current` cost a retain and a
/// release. The open table's validity, key and value are cached after every move all the same.
final class LevelIterator<Child: InternalIterator>: InternalIterator {
    private let files: [FileMetaData]
    private let openFile: (FileMetaData) throws -> Child
    /// The index in `files` of the open table, meaningful while `current` is not nil.
    private var fileIndex = 0
    /// The open table's iterator, or nil when none is open (before a seek, past the end, on error).
    private var current: Child?
    /// The open table's key and value when `isValid`.
    private var currentKey = UnsafeRawBufferPointer(start: nil, count: 0)
    private var currentValue = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var isValid = false
    private(set) var error: LSMError?

    /// Creates an iterator over `files` (sorted by key, disjoint) that opens each with `openFile`.
    init(files: [FileMetaData], openFile: @escaping (FileMetaData) throws -> Child) {
        self.files = files
        self.openFile = openFile
    }

    func seekToFirst() {
        isValid = false
        guard let table = open(0) else { return }
        table.seekToFirst()
        settle(table)
    }

    func seek(_ target: UnsafeRawBufferPointer) {
        isValid = false
        guard let table = open(firstFile(endingAtOrAfter: target)) else { return }
        table.seek(target)
        settle(table)
    }

    func next() {
        precondition(isValid, "next() on an invalid level iterator")
        guard let table = current else { return }
        table.next()
        settle(table)
    }

    var key: UnsafeRawBufferPointer { currentKey }

    var value: UnsafeRawBufferPointer { currentValue }

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

    /// Makes file `index` the open one (reusing its iterator if it already is) and returns its
    /// iterator; nil past the last file, or with `error` set when opening fails or an error is
    /// pending.
    private func open(_ index: Int) -> Child? {
        guard error == nil, index < files.count else {
            current = nil
            return nil
        }
        if let current, index == fileIndex { return current }
        current = nil
        fileIndex = index
        do {
            let table = try openFile(files[index])
            current = table
            return table
        } catch let failure as LSMError {
            error = failure
        } catch {
            self.error = .invalidArgument("opening table \(files[index].number) failed: \(error)")
        }
        return nil
    }

    /// Records where `table` (the open one, just moved) stands; when it is exhausted, moves on.
    @inline(__always)
    private func settle(_ table: Child) {
        if table.isValid {
            currentKey = table.key
            currentValue = table.value
            isValid = true
        } else {
            isValid = false
            skipExhaustedFiles(after: table)
        }
    }

    /// Opens the files after the exhausted `table` until one has an entry. A table that reports an
    /// error stops the walk with that error.
    private func skipExhaustedFiles(after table: Child) {
        if let tableError = table.error {
            error = tableError
            current = nil
            return
        }
        while let nextTable = open(fileIndex + 1) {
            nextTable.seekToFirst()
            if nextTable.isValid {
                currentKey = nextTable.key
                currentValue = nextTable.value
                isValid = true
                return
            }
            if let tableError = nextTable.error {
                error = tableError
                current = nil
                return
            }
        }
    }
}
