import Synchronization
import Testing

@testable import LSM

/// One write: what the iterators must reproduce.
private struct Write {
    var key: [UInt8]
    var sequence: UInt64
    var type: ValueType
    var value: [UInt8]
    var internalKey: [UInt8] { InternalKey.make(key, sequence: sequence, type: type) }
}

/// An in-memory iterator over sorted `(internalKey, value)` pairs that can be told to fail: after
/// yielding `failAfter` entries its next move reports a corruption instead.
private final class ArrayIterator: InternalIterator {
    let entries: [(key: [UInt8], value: [UInt8])]
    let failAfter: Int?
    var index: Int
    var moves = 0
    private(set) var error: LSMError?

    init(_ entries: [(key: [UInt8], value: [UInt8])], failAfter: Int? = nil) {
        self.entries = entries
        self.failAfter = failAfter
        index = entries.count
    }

    private func land(_ position: Int) {
        if let failAfter, moves >= failAfter {
            error = .corruption(file: "fake.ldb", offset: Int64(position), reason: "injected")
            index = entries.count
            return
        }
        moves += 1
        index = position
    }

    var isValid: Bool { error == nil && index < entries.count }
    func seekToFirst() { land(0) }
    func seek(_ target: UnsafeRawBufferPointer) {
        let targetKey = Array(target)
        land(entries.firstIndex { InternalKey.compare($0.key, targetKey) >= 0 } ?? entries.count)
    }
    func next() { land(index + 1) }
    var key: UnsafeRawBufferPointer { entries[index].key.withUnsafeBytes { $0 } }
    var value: UnsafeRawBufferPointer { entries[index].value.withUnsafeBytes { $0 } }
}

/// Everything an internal iterator yields, from its current position on.
private func drain(_ iterator: any InternalIterator) -> [[UInt8]] {
    var keys: [[UInt8]] = []
    while iterator.isValid {
        keys.append(Array(iterator.key))
        iterator.next()
    }
    return keys
}

/// A memtable holding `writes`.
private func makeMemtable(_ writes: [Write]) -> Memtable {
    let memtable = Memtable()
    for write in writes {
        write.key.withUnsafeBytes { k in
            write.value.withUnsafeBytes { v in
                memtable.add(sequence: write.sequence, type: write.type, key: k, value: v)
            }
        }
    }
    return memtable
}

/// Random puts and tombstones over `keyCount` user keys with ascending unique sequences.
private func randomWrites(_ generator: inout SeededGenerator, count: Int, keyCount: Int) -> [Write] {
    (1...count).map { i in
        let key = Array("k\(String(Int.random(in: 0..<keyCount, using: &generator)).leftPadded(4))".utf8)
        let isDelete = Int.random(in: 0..<5, using: &generator) == 0
        return Write(
            key: key, sequence: UInt64(i), type: isDelete ? .deletion : .value,
            value: isDelete ? [] : Array("v\(i)".utf8))
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// What a DBIterator must show at `snapshot`: per user key, the newest visible put, keys before `upperBound`.
private func visibleView(_ writes: [Write], snapshot: UInt64, upperBound: [UInt8]?) -> [([UInt8], [UInt8])] {
    var newest: [[UInt8]: Write] = [:]
    for write in writes where write.sequence <= snapshot {
        if let old = newest[write.key], old.sequence > write.sequence { continue }
        newest[write.key] = write
    }
    return newest.values
        .filter { write in write.type == .value && (upperBound.map { compareBytes(write.key, $0) < 0 } ?? true) }
        .sorted { compareBytes($0.key, $1.key) < 0 }
        .map { ($0.key, $0.value) }
}

/// Everything a DBIterator yields from its current position on.
private func drain(_ iterator: DBIterator) -> [([UInt8], [UInt8])] {
    var result: [([UInt8], [UInt8])] = []
    while iterator.isValid {
        result.append((Array(iterator.key), Array(iterator.value)))
        iterator.next()
    }
    return result
}

private func same(_ a: [([UInt8], [UInt8])], _ b: [([UInt8], [UInt8])]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
}

@Suite("Iterators: merging, level and user view")
struct IteratorTests {
    @Test("a merge of several memtables is the sorted union, and seeks to the lower bound", arguments: [41, 42])
    func mergeMemtables(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let writes = randomWrites(&generator, count: 3000, keyCount: 400)
        // Spread the writes over 5 memtables at random, one of them left empty.
        var parts = [[Write]](repeating: [], count: 5)
        for write in writes { parts[Int.random(in: 0..<4, using: &generator)].append(write) }
        let memtables = parts.map(makeMemtable)
        let merged = MergingIterator(children: memtables.map { $0.makeIterator() })
        let model = writes.map(\.internalKey).sorted { InternalKey.compare($0, $1) < 0 }

        #expect(!merged.isValid)
        merged.seekToFirst()
        #expect(drain(merged) == model, "seed \(seed)")
        #expect(merged.error == nil)

        for _ in 0..<300 {
            let key = Array("k\(String(Int.random(in: 0..<401, using: &generator)).leftPadded(4))".utf8)
            let target = InternalKey.make(key, sequence: UInt64.random(in: 0...3001, using: &generator), type: .value)
            target.withUnsafeBytes { merged.seek($0) }
            let expected = model.firstIndex { InternalKey.compare($0, target) >= 0 } ?? model.count
            #expect(merged.isValid == (expected < model.count), "seed \(seed)")
            if merged.isValid { #expect(Array(merged.key) == model[expected], "seed \(seed)") }
        }
        // Values follow their keys through the merge.
        merged.seekToFirst()
        let values = Dictionary(uniqueKeysWithValues: writes.map { ($0.internalKey, $0.value) })
        while merged.isValid {
            #expect(Array(merged.value) == values[Array(merged.key)])
            merged.next()
        }
    }

    @Test("merges of no children and of one child")
    func mergeEdgeCases() {
        let none = MergingIterator(children: [])
        none.seekToFirst()
        #expect(!none.isValid && none.error == nil)
        let writes = [Write(key: Array("a".utf8), sequence: 1, type: .value, value: Array("x".utf8))]
        let one = MergingIterator(children: [makeMemtable(writes).makeIterator()])
        one.seekToFirst()
        #expect(drain(one) == writes.map(\.internalKey))
    }

    @Test("a child's error stops the merge and is reported", arguments: [0, 1, 5, 17])
    func mergeError(failAfter: Int) {
        let good = (0..<20).map { (InternalKey.make(Array("a\($0)".utf8), sequence: 1, type: .value), [UInt8]()) }
        let bad = (0..<20).map { (InternalKey.make(Array("b\($0)".utf8), sequence: 1, type: .value), [UInt8]()) }
        let merged = MergingIterator(children: [ArrayIterator(good), ArrayIterator(bad, failAfter: failAfter)])
        merged.seekToFirst()
        let seen = drain(merged)
        #expect(!merged.isValid)
        #expect(merged.error == .corruption(file: "fake.ldb", offset: Int64(failAfter), reason: "injected"))
        // Nothing after the failing child's last good entry comes out as if the stream were whole.
        #expect(seen.count < good.count + bad.count)
        // The error stays: repositioning does not revive a damaged merge.
        merged.seekToFirst()
        #expect(!merged.isValid && merged.error != nil)
    }

    @Test("the user view hides old versions, tombstones and what they shadow")
    func dbIteratorBasics() {
        func w(_ key: String, _ sequence: UInt64, _ value: String?) -> Write {
            Write(
                key: Array(key.utf8), sequence: sequence, type: value == nil ? .deletion : .value,
                value: Array((value ?? "").utf8))
        }
        let writes = [
            w("a", 1, "a1"), w("a", 5, "a5"),  // overwritten
            w("b", 2, "b2"), w("b", 6, nil),  // deleted at 6
            w("c", 3, nil), w("c", 7, "c7"),  // deleted, then put again
            w("d", 4, "d4"), w("e", 8, nil),  // a tombstone of nothing
        ]
        let memtable = makeMemtable(writes)
        func view(_ snapshot: UInt64, bound: String? = nil) -> [String] {
            let iterator = DBIterator(
                memtable.makeIterator(), sequence: snapshot, upperBound: bound.map { Array($0.utf8) })
            iterator.seekToFirst()
            return drain(iterator).map {
                String(decoding: $0.0, as: UTF8.self) + "=" + String(decoding: $0.1, as: UTF8.self)
            }
        }
        #expect(view(0) == [])
        #expect(view(2) == ["a=a1", "b=b2"])
        #expect(view(5) == ["a=a5", "b=b2", "d=d4"])
        #expect(view(6) == ["a=a5", "d=d4"])
        #expect(view(100) == ["a=a5", "c=c7", "d=d4"])
        #expect(view(100, bound: "c") == ["a=a5"])
        #expect(view(100, bound: "c\0") == ["a=a5", "c=c7"])
        #expect(view(100, bound: "") == [])

        let iterator = DBIterator(memtable.makeIterator(), sequence: 6)
        Array("b".utf8).withUnsafeBytes { iterator.seek(toUserKey: $0) }
        #expect(iterator.isValid && Array(iterator.key) == Array("d".utf8))
        Array("a".utf8).withUnsafeBytes { iterator.seek(toUserKey: $0) }
        #expect(iterator.isValid && Array(iterator.value) == Array("a5".utf8))
        Array("e".utf8).withUnsafeBytes { iterator.seek(toUserKey: $0) }
        #expect(!iterator.isValid && iterator.error == nil)
    }

    @Test("the user view over merged memtables matches the model at every snapshot", arguments: [51, 52, 53])
    func dbIteratorModel(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let writes = randomWrites(&generator, count: 2000, keyCount: 150)
        var parts = [[Write]](repeating: [], count: 3)
        for write in writes { parts[Int.random(in: 0..<3, using: &generator)].append(write) }
        let memtables = parts.map(makeMemtable)
        for snapshot in stride(from: UInt64(0), through: 2000, by: 97) {
            let bound: [UInt8]? = snapshot % 2 == 0 ? nil : Array("k\(String(Int(snapshot) % 160).leftPadded(4))".utf8)
            let iterator = DBIterator(
                MergingIterator(children: memtables.map { $0.makeIterator() }), sequence: snapshot, upperBound: bound)
            let model = visibleView(writes, snapshot: snapshot, upperBound: bound)
            iterator.seekToFirst()
            #expect(same(drain(iterator), model), "seed \(seed), snapshot \(snapshot)")
            for _ in 0..<20 {
                let target = Array("k\(String(Int.random(in: 0..<155, using: &generator)).leftPadded(4))".utf8)
                target.withUnsafeBytes { iterator.seek(toUserKey: $0) }
                let expected = Array(model.drop { compareBytes($0.0, target) < 0 })
                #expect(same(drain(iterator), expected), "seed \(seed), snapshot \(snapshot), seek \(target)")
            }
            #expect(iterator.error == nil)
        }
    }

    @Test("the user view reports its source's error")
    func dbIteratorError() {
        let entries = (0..<10).map { (InternalKey.make(Array("a\($0)".utf8), sequence: 1, type: .value), [UInt8]()) }
        let iterator = DBIterator(ArrayIterator(entries, failAfter: 4), sequence: 10)
        iterator.seekToFirst()
        #expect(drain(iterator).count == 4)
        #expect(iterator.error == .corruption(file: "fake.ldb", offset: 4, reason: "injected"))

        let short = DBIterator(ArrayIterator([([1, 2, 3], [])]), sequence: 10)
        short.seekToFirst()
        #expect(!short.isValid)
        if case .corruption = short.error {
        } else {
            Issue.record("expected corruption, got \(String(describing: short.error))")
        }
    }

    /// Splits sorted writes into `fileCount` memtable-backed fake tables with disjoint user key
    /// ranges, returning them with their metadata (file number = index).
    private func makeLevel(_ writes: [Write], fileCount: Int) -> ([Memtable], [FileMetaData]) {
        let sorted = writes.sorted { InternalKey.compare($0.internalKey, $1.internalKey) < 0 }
        var groups: [[Write]] = []
        for write in sorted {
            // A user key never straddles two files of a level.
            if let last = groups.last?.last, last.key == write.key {
                groups[groups.count - 1].append(write)
            } else if groups.isEmpty || groups.last!.count >= sorted.count / fileCount {
                groups.append([write])
            } else {
                groups[groups.count - 1].append(write)
            }
        }
        let files = groups.enumerated().map { index, group in
            FileMetaData(
                number: UInt64(index), size: UInt64(group.count),
                smallest: group.first!.internalKey, largest: group.last!.internalKey)
        }
        return (groups.map(makeMemtable), files)
    }

    @Test("a level iterator walks its files in order and opens them lazily", arguments: [61, 62])
    func levelIterator(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let writes = randomWrites(&generator, count: 2000, keyCount: 300)
        let (tables, files) = makeLevel(writes, fileCount: 8)
        #expect(files.count >= 7)
        let opened = Mutex<[UInt64]>([])
        let level = LevelIterator(files: files) { file in
            opened.withLock { $0.append(file.number) }
            return tables[Int(file.number)].makeIterator()
        }
        let model = writes.map(\.internalKey).sorted { InternalKey.compare($0, $1) < 0 }

        #expect(!level.isValid)
        level.seekToFirst()
        #expect(opened.withLock { $0 } == [0], "seed \(seed)")
        #expect(drain(level) == model, "seed \(seed)")
        #expect(opened.withLock { $0 } == files.map(\.number), "seed \(seed)")
        #expect(level.error == nil)

        for _ in 0..<200 {
            let key = Array("k\(String(Int.random(in: 0..<301, using: &generator)).leftPadded(4))".utf8)
            let target = InternalKey.make(key, sequence: UInt64.random(in: 0...2001, using: &generator), type: .value)
            opened.withLock { $0.removeAll() }
            target.withUnsafeBytes { level.seek($0) }
            let expected = model.firstIndex { InternalKey.compare($0, target) >= 0 } ?? model.count
            #expect(level.isValid == (expected < model.count), "seed \(seed)")
            if level.isValid {
                #expect(Array(level.key) == model[expected], "seed \(seed)")
                #expect(Array(level.value) == writes.first { $0.internalKey == model[expected] }!.value)
                // Only the file holding the target (or, past its end, the next one) was opened.
                #expect(opened.withLock { $0.count } <= 2, "seed \(seed)")
            }
        }

        // The user view over a memtable merged with the level.
        let newer = randomWrites(&generator, count: 300, keyCount: 300).map {
            Write(key: $0.key, sequence: $0.sequence + 10_000, type: $0.type, value: $0.value)
        }
        let memtable = makeMemtable(newer)
        let all = writes + newer
        let levelForView = LevelIterator(files: files) { tables[Int($0.number)].makeIterator() }
        let view = DBIterator(
            MergingIterator(children: [memtable.makeIterator(), levelForView]), sequence: InternalKey.maxSequence)
        view.seekToFirst()
        #expect(same(drain(view), visibleView(all, snapshot: InternalKey.maxSequence, upperBound: nil)), "seed \(seed)")
    }

    @Test("a level iterator steps over tables that turn out empty")
    func levelWithEmptyTables() {
        func entry(_ key: String) -> (key: [UInt8], value: [UInt8]) {
            (InternalKey.make(Array(key.utf8), sequence: 1, type: .value), Array(key.utf8))
        }
        // Files 1, 2 and 4 claim key ranges but yield nothing (as a table whose entries were all
        // dropped would); the walk and seeks must carry on to the next file.
        let contents: [[(key: [UInt8], value: [UInt8])]] = [
            [entry("a"), entry("b")], [], [], [entry("m"), entry("n")], [],
        ]
        let bounds = ["a", "b", "c", "d", "e", "f", "m", "n", "x", "y"].map {
            InternalKey.make(Array($0.utf8), sequence: 1, type: .value)
        }
        let files = (0..<5).map {
            FileMetaData(number: UInt64($0), size: 1, smallest: bounds[2 * $0], largest: bounds[2 * $0 + 1])
        }
        let level = LevelIterator(files: files) { ArrayIterator(contents[Int($0.number)]) }
        level.seekToFirst()
        #expect(drain(level) == ["a", "b", "m", "n"].map { entry($0).key })
        entry("c").key.withUnsafeBytes { level.seek($0) }
        #expect(level.isValid && Array(level.value) == Array("m".utf8))
        level.next()
        #expect(level.isValid && Array(level.key) == entry("n").key)
        level.next()
        #expect(!level.isValid && level.error == nil)
        entry("o").key.withUnsafeBytes { level.seek($0) }
        #expect(!level.isValid && level.error == nil)
    }

    @Test("a level iterator over no files is empty")
    func emptyLevel() {
        let level = LevelIterator<ArrayIterator>(files: []) { _ in throw LSMError.closed }
        level.seekToFirst()
        #expect(!level.isValid && level.error == nil)
        InternalKey.make([1], sequence: 1, type: .value).withUnsafeBytes { level.seek($0) }
        #expect(!level.isValid && level.error == nil)
    }

    @Test("a table that cannot be opened or fails midway stops the level with its error")
    func levelErrors() {
        var generator = SeededGenerator(seed: 71)
        let writes = randomWrites(&generator, count: 500, keyCount: 100)
        let (tables, files) = makeLevel(writes, fileCount: 4)
        let failure = LSMError.io(operation: "open", path: "000002.ldb", errno: 5)
        let level = LevelIterator(files: files) { file in
            if file.number == 2 { throw failure }
            return tables[Int(file.number)].makeIterator()
        }
        level.seekToFirst()
        let seen = drain(level)
        let firstTwo = tables[0...1].flatMap { table -> [[UInt8]] in
            let iterator = table.makeIterator()
            iterator.seekToFirst()
            return drain(iterator)
        }
        #expect(seen == firstTwo)
        #expect(level.error == failure)

        let midway = LevelIterator(files: files) { file in
            let iterator = tables[Int(file.number)].makeIterator()
            iterator.seekToFirst()
            let entries = drain(iterator).map { ($0, [UInt8]()) }
            return ArrayIterator(entries, failAfter: file.number == 1 ? 3 : nil)
        }
        midway.seekToFirst()
        let seenMidway = drain(midway)
        #expect(seenMidway.count == Int(files[0].size) + 3)
        #expect(midway.error == .corruption(file: "fake.ldb", offset: 3, reason: "injected"))
    }
}
