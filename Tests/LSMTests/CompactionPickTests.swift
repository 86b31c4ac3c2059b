import Testing

@testable import LSM

/// Which level a version asks to compact: the scores LevelDB uses, plus level 0 first once it nears
/// the write-slowdown trigger.
@Suite("Compaction picking")
struct CompactionPickTests {
    /// `count` files of `size` bytes covering disjoint key ranges, numbered from `firstNumber`.
    private func files(_ count: Int, size: UInt64, firstNumber: UInt64) -> [FileMetaData] {
        (0..<count).map { index in
            let low = [UInt8]("k\(index * 2 + 100)".utf8)
            let high = [UInt8]("k\(index * 2 + 101)".utf8)
            return FileMetaData(
                number: firstNumber + UInt64(index), size: size,
                smallest: InternalKey.make(low, sequence: 1, type: .value),
                largest: InternalKey.make(high, sequence: 1, type: .value))
        }
    }

    private func version(level0: Int, level1Bytes: UInt64, options: LSMOptions) -> Version {
        var levels = [[FileMetaData]](repeating: [], count: Version.levelCount)
        levels[0] = files(level0, size: 1 << 20, firstNumber: 1)
        levels[1] = files(10, size: level1Bytes / 10, firstNumber: 100)
        return Version(files: levels, options: options)
    }

    @Test("an oversized level 1 goes before a level 0 that is only at its trigger")
    func deeperBacklogFirst() {
        let options = LSMOptions()
        // Level 1 at 4x its target scores 4; four level-0 files score 1.
        let picked = version(level0: options.level0CompactionTrigger, level1Bytes: 40 << 20, options: options)
        #expect(picked.compactionLevel == 1)
        #expect(picked.compactionScore >= 1)
    }

    @Test("level 0 goes first once it holds three quarters of the slowdown trigger")
    func level0NearSlowdownFirst() {
        let options = LSMOptions()
        let nearSlowdown = options.level0SlowdownWritesTrigger * 3 / 4
        let below = version(level0: nearSlowdown - 1, level1Bytes: 40 << 20, options: options)
        #expect(below.compactionLevel == 1, "level 0 with \(nearSlowdown - 1) files")
        let at = version(level0: nearSlowdown, level1Bytes: 40 << 20, options: options)
        #expect(at.compactionLevel == 0, "level 0 with \(nearSlowdown) files")
        // However large the deeper backlog.
        let huge = version(level0: nearSlowdown, level1Bytes: 4 << 30, options: options)
        #expect(huge.compactionLevel == 0)
    }

    @Test("nothing to do scores below 1")
    func quiet() {
        let options = LSMOptions()
        let idle = version(level0: 1, level1Bytes: 1 << 20, options: options)
        #expect(idle.compactionScore < 1)
    }
}
