/// An immutable picture of which table files make up each level.
///
/// Readers take the current `Version` under the store's lock and then read from it without the lock;
/// Swift's reference counting keeps it, and through the version set's registry the files it names,
/// alive for as long as any reader holds it. Compactions never change a version: they install a new
/// one.
final class Version: @unchecked Sendable {
    // Safe to share: every stored property is immutable after init.

    /// The number of levels: 0 (overlapping tables fresh from memtables) through 6.
    static let levelCount = 7

    /// Files per level. Level 0 is ordered newest first (by file number, descending); the other
    /// levels are sorted by smallest key and do not overlap.
    let files: [[FileMetaData]]
    /// The level most in need of compaction and its score (>= 1 means a compaction is due).
    let compactionLevel: Int
    let compactionScore: Double
    /// Lives exactly as long as this version. The version set watches it through a weak reference
    /// instead of watching the version: an object that is weakly referenced moves its reference
    /// count to a side table, which makes every retain and release of it slower, and versions are
    /// retained on every read.
    let liveness = VersionLiveness()

    init(files: [[FileMetaData]], options: LSMOptions) {
        self.files = files
        var bestLevel = 0
        var bestScore = -1.0
        for level in 0..<(Version.levelCount - 1) {
            let score: Double
            if level == 0 {
                // Count files, not bytes: each level-0 file costs a seek on every read.
                let count = files[0].count
                var levelScore = Double(count) / Double(options.level0CompactionTrigger)
                if count >= options.level0CompactionTrigger && count >= options.level0SlowdownWritesTrigger * 3 / 4 {
                    // Writes are about to be slowed, and only a level-0 compaction, which empties the
                    // level in one go, prevents that; a deeper level's backlog costs read and space
                    // amplification only, so it waits. Without this, a long run of level-1 compactions
                    // (each one deflating its output) let level 0 reach the slowdown trigger.
                    levelScore += Double(Version.levelCount) * 1_000
                }
                score = levelScore
            } else {
                score = Double(Version.totalSize(files[level])) / Double(Version.maxBytes(forLevel: level, options))
            }
            if score > bestScore {
                bestScore = score
                bestLevel = level
            }
        }
        compactionLevel = bestLevel
        compactionScore = bestScore
    }

    /// The size limit of level `level` (1 and up): the base times ten per level below 1.
    static func maxBytes(forLevel level: Int, _ options: LSMOptions) -> Int64 {
        var result = Int64(options.maxBytesForLevelBase)
        var l = level
        while l > 1 {
            result *= 10
            l -= 1
        }
        return result
    }

    static func totalSize(_ files: [FileMetaData]) -> Int64 {
        files.reduce(0) { $0 + Int64($1.size) }
    }

    /// Looks `lookupKey` (`userKey | fixed64(snapshot << 8 | 1)`) up in the tables, newest first.
    func get(_ lookupKey: UnsafeRawBufferPointer, tableCache: TableCache) throws -> LookupResult? {
        let userKey = InternalKey.userKey(lookupKey)
        // Level 0 files may overlap, so every one whose range holds the key is searched, newest first.
        for file in files[0] where file.contains(userKey: userKey) {
            if let result = try tableCache.get(fileNumber: file.number, size: file.size, lookupKey: lookupKey) {
                return result
            }
        }
        for level in 1..<Version.levelCount {
            let levelFiles = files[level]
            guard !levelFiles.isEmpty else { continue }
            let index = Version.findFile(levelFiles, internalKey: lookupKey)
            guard index < levelFiles.count else { continue }
            let file = levelFiles[index]
            let startsAfter = file.smallest.withUnsafeBytes { compareBytes(userKey, InternalKey.userKey($0)) < 0 }
            if startsAfter { continue }
            if let result = try tableCache.get(fileNumber: file.number, size: file.size, lookupKey: lookupKey) {
                return result
            }
        }
        return nil
    }

    /// The index of the first file in a sorted level whose largest key is at or after `internalKey`,
    /// or `files.count` when there is none.
    static func findFile(_ files: [FileMetaData], internalKey: UnsafeRawBufferPointer) -> Int {
        var low = 0
        var high = files.count
        while low < high {
            let mid = (low + high) / 2
            if files[mid].largest.withUnsafeBytes({ InternalKey.compare($0, internalKey) }) < 0 {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }

    /// Files of `level` whose user-key range meets `[smallest, largest]` (user keys; `nil` = open).
    /// For level 0 the range grows to cover every file it touches, transitively, because level-0
    /// files overlap one another and a compaction must take all versions of a key together.
    func overlappingFiles(level: Int, smallest: [UInt8]?, largest: [UInt8]?) -> [FileMetaData] {
        var begin = smallest
        var end = largest
        var result: [FileMetaData] = []
        var index = 0
        let levelFiles = files[level]
        while index < levelFiles.count {
            let file = levelFiles[index]
            index += 1
            let fileStart = file.smallestUserKey
            let fileEnd = file.largestUserKey
            if let b = begin, compareBytes(fileEnd, b) < 0 { continue }
            if let e = end, compareBytes(fileStart, e) > 0 { continue }
            result.append(file)
            if level == 0 {
                if let b = begin, compareBytes(fileStart, b) < 0 {
                    begin = fileStart
                    result.removeAll()
                    index = 0
                } else if let e = end, compareBytes(fileEnd, e) > 0 {
                    end = fileEnd
                    result.removeAll()
                    index = 0
                }
            }
        }
        return result
    }

    /// Whether any file of `level` overlaps the user-key range.
    func overlaps(level: Int, smallest: [UInt8], largest: [UInt8]) -> Bool {
        for file in files[level]
        where compareBytes(file.largestUserKey, smallest) >= 0 && compareBytes(file.smallestUserKey, largest) <= 0 {
            return true
        }
        return false
    }

    /// The level a new table from a memtable goes to: 0, or deeper (at most 2) when it overlaps
    /// nothing there, which spares a compaction for sequential loads.
    func levelForMemtableOutput(smallest: [UInt8], largest: [UInt8], options: LSMOptions) -> Int {
        var level = 0
        if overlaps(level: 0, smallest: smallest, largest: largest) { return 0 }
        let maxGrandparentOverlap = Int64(10 * options.targetFileSize)
        while level < 2 {
            if overlaps(level: level + 1, smallest: smallest, largest: largest) { break }
            if level + 2 < Version.levelCount {
                let grandparents = overlappingFiles(level: level + 2, smallest: smallest, largest: largest)
                if Version.totalSize(grandparents) > maxGrandparentOverlap { break }
            }
            level += 1
        }
        return level
    }

    /// Iterators over every table of this version, newest data first, for a merging iterator.
    func appendIterators(
        to iterators: inout [any InternalIterator], tableCache: TableCache, fillCache: Bool
    ) throws {
        for file in files[0] {
            iterators.append(
                try tableCache.makeIterator(fileNumber: file.number, size: file.size, fillCache: fillCache))
        }
        for level in 1..<Version.levelCount where !files[level].isEmpty {
            iterators.append(
                LevelIterator(files: files[level]) { file in
                    try tableCache.makeIterator(fileNumber: file.number, size: file.size, fillCache: fillCache)
                })
        }
    }
}

/// An object whose lifetime is its ``Version``'s, for the version set's weak references.
final class VersionLiveness: Sendable {}
