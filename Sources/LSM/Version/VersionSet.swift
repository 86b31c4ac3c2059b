/// The store's durable bookkeeping: the current ``Version``, the counters (next file number, last
/// sequence, the oldest WAL still needed) and the manifest that records every change to them.
///
/// Every property is guarded by the store's ``Monitor``; ``logAndApply(_:monitor:)`` drops the lock
/// only while it writes and syncs the manifest.
final class VersionSet {
    let directory: String
    let options: LSMOptions

    private(set) var current: Version
    /// The next number to give a file (WAL, table or manifest).
    private(set) var nextFileNumber: UInt64 = 2
    /// The sequence number of the newest write applied to the memtable.
    var lastSequence: UInt64 = 0
    /// WALs numbered below this hold nothing that is not in tables.
    private(set) var logNumber: UInt64 = 0
    /// Where the next compaction of each level starts, so compactions rotate through the key space.
    private var compactPointers = [[UInt8]](repeating: [], count: Version.levelCount)
    private var manifest: ManifestWriter?
    /// Every version handed out, weakly: the files of those still alive must not be deleted.
    private var versions: [LiveVersion] = []

    init(directory: String, options: LSMOptions) {
        self.directory = directory
        self.options = options
        self.current = Version(files: Array(repeating: [], count: Version.levelCount), options: options)
    }

    /// The number of the manifest now in use.
    var manifestNumber: UInt64 { manifest?.fileNumber ?? 0 }

    func newFileNumber() -> UInt64 {
        defer { nextFileNumber += 1 }
        return nextFileNumber
    }

    /// Makes sure `number` will not be handed out again (a file found on disk during recovery).
    func markFileNumberUsed(_ number: UInt64) {
        if nextFileNumber <= number { nextFileNumber = number + 1 }
    }

    /// Rebuilds the state from the manifest `CURRENT` names.
    func recover() throws {
        let (manifestNumber, edits) = try ManifestReader.read(directory: directory)
        let manifestPath = FileNames.manifest(directory, manifestNumber)
        var files = current.files
        var sawNextFile = false
        for edit in edits {
            if let name = edit.comparatorName, name != VersionSet.comparatorName {
                throw LSMError.invalidArgument("database uses comparator \(name), not \(VersionSet.comparatorName)")
            }
            if let n = edit.logNumber { logNumber = n }
            if let n = edit.nextFileNumber {
                nextFileNumber = n
                sawNextFile = true
            }
            if let s = edit.lastSequence { lastSequence = s }
            apply(edit, to: &files)
        }
        guard sawNextFile else {
            throw LSMError.corruption(file: manifestPath, offset: 0, reason: "manifest has no next-file-number entry")
        }
        markFileNumberUsed(manifestNumber)
        install(Version(files: files, options: options))
    }

    /// Starts a new manifest holding the whole current state and points `CURRENT` at it.
    func writeNewManifest() throws {
        let number = newFileNumber()
        let writer = try ManifestWriter.create(directory: directory, number: number, snapshot: snapshotEdit())
        try manifest?.close()
        manifest = writer
    }

    /// An edit that, applied to an empty state, yields the current one.
    func snapshotEdit() -> VersionEdit {
        var edit = VersionEdit()
        edit.comparatorName = VersionSet.comparatorName
        edit.logNumber = logNumber
        edit.nextFileNumber = nextFileNumber
        edit.lastSequence = lastSequence
        for level in 0..<Version.levelCount {
            if !compactPointers[level].isEmpty {
                edit.compactPointers.append((level: level, key: compactPointers[level]))
            }
            for file in current.files[level] { edit.newFiles.append((level: level, file: file)) }
        }
        return edit
    }

    /// Records `edit` in the manifest (synced) and installs the version it produces. Called with the
    /// monitor held; releases it while writing, which is safe because only one thread (the
    /// background worker, or `open` before it starts) ever changes the version set.
    func logAndApply(_ edit: VersionEdit, monitor: Monitor) throws {
        var edit = edit
        if let n = edit.logNumber {
            precondition(n >= logNumber && n < nextFileNumber, "log numbers only grow")
        } else {
            edit.logNumber = logNumber
        }
        edit.nextFileNumber = nextFileNumber
        edit.lastSequence = lastSequence
        var files = current.files
        apply(edit, to: &files)
        let version = Version(files: files, options: options)
        if let writer = manifest {
            monitor.unlock()
            defer { monitor.lock() }
            try writer.append(edit)
        }
        if let n = edit.logNumber { logNumber = n }
        install(version)
    }

    private func apply(_ edit: VersionEdit, to files: inout [[FileMetaData]]) {
        for (level, key) in edit.compactPointers { compactPointers[level] = key }
        if !edit.deletedFiles.isEmpty {
            var deleted = [Set<UInt64>](repeating: [], count: Version.levelCount)
            for (level, number) in edit.deletedFiles { deleted[level].insert(number) }
            for level in 0..<Version.levelCount where !deleted[level].isEmpty {
                files[level].removeAll { deleted[level].contains($0.number) }
            }
        }
        for (level, file) in edit.newFiles { files[level].append(file) }
        files[0].sort { $0.number > $1.number }
        for level in 1..<Version.levelCount {
            files[level].sort { InternalKey.compare($0.smallest, $1.smallest) < 0 }
        }
    }

    private func install(_ version: Version) {
        current = version
        versions.removeAll { !$0.isAlive }
        versions.append(LiveVersion(version))
    }

    /// The numbers of every table file a live version uses.
    func liveFiles() -> Set<UInt64> {
        var live = Set<UInt64>()
        versions.removeAll { !$0.isAlive }
        for entry in versions {
            for level in entry.files { for file in level { live.insert(file.number) } }
        }
        return live
    }

    /// Whether the current version has a level over its limit.
    var needsCompaction: Bool { current.compactionScore >= 1 }

    /// The compaction the current version most needs, or `nil`.
    func pickCompaction() -> Compaction? {
        let version = current
        guard version.compactionScore >= 1 else { return nil }
        let level = version.compactionLevel
        let compaction = Compaction(level: level, version: version, options: options)
        let first: FileMetaData
        if level == 0 {
            // Start after where the last compaction of this level stopped, wrapping around.
            let pointer = compactPointers[level]
            let start =
                pointer.isEmpty
                ? nil
                : version.files[level].first { InternalKey.compare($0.largest, pointer) > 0 }
            guard let file = start ?? version.files[level].first else { return nil }
            first = file
        } else {
            guard let file = VersionSet.leastOverlapping(version, level: level) else { return nil }
            first = file
        }
        compaction.inputs[0] = [first]
        if level == 0 {
            compaction.inputs[0] = version.overlappingFiles(
                level: 0, smallest: first.smallestUserKey, largest: first.largestUserKey)
        }
        setupOtherInputs(compaction)
        return compaction
    }

    /// The file of `level` (1 and up) whose push into the next level rewrites the fewest bytes there
    /// per byte it moves: RocksDB's `kMinOverlappingRatio` priority, which lowers write
    /// amplification against round-robin picking, and with it the bytes compaction must compress.
    static func leastOverlapping(_ version: Version, level: Int) -> FileMetaData? {
        let below = version.files[level + 1]
        var best: FileMetaData?
        var bestRatio = Double.infinity
        var start = 0
        for file in version.files[level] {
            // Both levels are sorted and non-overlapping, so the overlap window only moves forward.
            while start < below.count && InternalKey.compare(below[start].largest, file.smallest) < 0 { start += 1 }
            var overlap: Int64 = 0
            var index = start
            while index < below.count && InternalKey.compare(below[index].smallest, file.largest) <= 0 {
                overlap += Int64(below[index].size)
                index += 1
            }
            let ratio = Double(overlap) / Double(max(file.size, 1))
            if ratio < bestRatio {
                bestRatio = ratio
                best = file
            }
        }
        return best
    }

    /// A compaction of every file of `level` whose range meets `[begin, end]` (user keys; `nil` is
    /// open), or `nil` when there is none.
    func compaction(level: Int, begin: [UInt8]?, end: [UInt8]?) -> Compaction? {
        let version = current
        let files = version.overlappingFiles(level: level, smallest: begin, largest: end)
        guard !files.isEmpty else { return nil }
        let compaction = Compaction(level: level, version: version, options: options)
        compaction.inputs[0] = files
        setupOtherInputs(compaction)
        return compaction
    }

    private func setupOtherInputs(_ compaction: Compaction) {
        let level = compaction.level
        let version = compaction.inputVersion
        let (smallest, largest) = VersionSet.range(of: compaction.inputs[0])
        compaction.inputs[1] = version.overlappingFiles(
            level: level + 1, smallest: InternalKey.userKeyCopy(smallest), largest: InternalKey.userKeyCopy(largest))
        let (allSmallest, allLargest) = VersionSet.range(of: compaction.inputs[0] + compaction.inputs[1])
        if level + 2 < Version.levelCount {
            compaction.grandparents = version.overlappingFiles(
                level: level + 2, smallest: InternalKey.userKeyCopy(allSmallest),
                largest: InternalKey.userKeyCopy(allLargest))
        }
        // The next compaction of this level starts after this one's last key.
        compactPointers[level] = largest
    }

    /// The smallest and largest internal keys of a non-empty list of files.
    static func range(of files: [FileMetaData]) -> (smallest: [UInt8], largest: [UInt8]) {
        var smallest = files[0].smallest
        var largest = files[0].largest
        for file in files.dropFirst() {
            if InternalKey.compare(file.smallest, smallest) < 0 { smallest = file.smallest }
            if InternalKey.compare(file.largest, largest) > 0 { largest = file.largest }
        }
        return (smallest, largest)
    }

    /// Closes the manifest.
    func close() throws {
        try manifest?.close()
        manifest = nil
    }

    /// The key order this store uses, recorded in the manifest so a store is never opened with another.
    static let comparatorName = "leveldb.BytewiseComparator"
}

/// A version's files and a weak reference to its ``VersionLiveness``, for the registry of live
/// versions.
struct LiveVersion {
    private weak var liveness: VersionLiveness?
    /// The version's files (shared storage, not a copy).
    let files: [[FileMetaData]]

    init(_ version: Version) {
        liveness = version.liveness
        files = version.files
    }

    /// Whether the version is still referenced by anyone.
    var isAlive: Bool { liveness != nil }
}

extension InternalKey {
    /// A copy of the user-key part of an internal key held in an array.
    static func userKeyCopy(_ internalKey: [UInt8]) -> [UInt8] {
        Array(internalKey.dropLast(trailerSize))
    }
}
