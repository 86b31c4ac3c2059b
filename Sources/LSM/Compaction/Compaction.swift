/// One compaction: the files of `level` and the overlapping files of `level + 1` that are merged into
/// new files of `level + 1`.
final class Compaction {
    /// The level whose files are pushed down.
    let level: Int
    /// The version the inputs were picked from.
    let inputVersion: Version
    /// `inputs[0]`: files of `level`; `inputs[1]`: overlapping files of `level + 1`.
    var inputs: [[FileMetaData]] = [[], []]
    /// Files of `level + 2` overlapping the compaction, used to cut outputs so that no output file
    /// will later make a compaction into `level + 2` too expensive.
    var grandparents: [FileMetaData] = []
    /// The size at which an output file is closed.
    let maxOutputFileSize: Int
    /// Limit on the bytes of grandparents one output file may overlap.
    private let maxGrandparentOverlapBytes: Int64

    private var grandparentIndex = 0
    private var seenKey = false
    private var overlappedBytes: Int64 = 0
    /// Per deeper level, the first file that may still contain a key (keys arrive in order).
    private var levelPointers = [Int](repeating: 0, count: Version.levelCount)

    init(level: Int, version: Version, options: LSMOptions) {
        self.level = level
        self.inputVersion = version
        self.maxOutputFileSize = options.targetFileSize
        self.maxGrandparentOverlapBytes = Int64(10 * options.targetFileSize)
    }

    /// A single file that overlaps nothing below can move down a level without being rewritten.
    var isTrivialMove: Bool {
        inputs[0].count == 1 && inputs[1].isEmpty
            && Version.totalSize(grandparents) <= maxGrandparentOverlapBytes
    }

    /// Total bytes of the input files.
    var inputBytes: Int64 { Version.totalSize(inputs[0]) + Version.totalSize(inputs[1]) }

    /// Adds the deletion of every input file to `edit`.
    func addInputDeletions(to edit: inout VersionEdit) {
        for which in 0..<2 {
            for file in inputs[which] { edit.deletedFiles.append((level: level + which, number: file.number)) }
        }
    }

    /// Whether no level below `level + 1` can hold `userKey`, so a tombstone for it has nothing left
    /// to shadow and can be dropped. Keys must be asked in increasing order.
    func isBaseLevelForKey(_ userKey: UnsafeRawBufferPointer) -> Bool {
        var l = level + 2
        while l < Version.levelCount {
            let files = inputVersion.files[l]
            while levelPointers[l] < files.count {
                let file = files[levelPointers[l]]
                let beforeEnd = file.largest.withUnsafeBytes { compareBytes(userKey, InternalKey.userKey($0)) <= 0 }
                if beforeEnd {
                    let afterStart = file.smallest.withUnsafeBytes {
                        compareBytes(userKey, InternalKey.userKey($0)) >= 0
                    }
                    if afterStart { return false }
                    break
                }
                levelPointers[l] += 1
            }
            l += 1
        }
        return true
    }

    /// Whether the current output file should be closed before `internalKey` is added, because it
    /// already overlaps too many bytes of grandparents. Keys must be asked in increasing order.
    func shouldStopBefore(_ internalKey: UnsafeRawBufferPointer) -> Bool {
        while grandparentIndex < grandparents.count
            && grandparents[grandparentIndex].largest.withUnsafeBytes({ InternalKey.compare(internalKey, $0) }) > 0
        {
            if seenKey { overlappedBytes += Int64(grandparents[grandparentIndex].size) }
            grandparentIndex += 1
        }
        seenKey = true
        if overlappedBytes > maxGrandparentOverlapBytes {
            overlappedBytes = 0
            return true
        }
        return false
    }
}
