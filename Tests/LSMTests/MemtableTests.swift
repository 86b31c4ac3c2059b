import Synchronization
import Testing

@testable import LSM

#if canImport(Glibc)
    import Glibc
#endif

/// One write recorded by the model: what a memtable must reproduce.
private struct ModelEntry {
    var key: [UInt8]
    var sequence: UInt64
    var type: ValueType
    var value: [UInt8]
    var internalKey: [UInt8] { InternalKey.make(key, sequence: sequence, type: type) }
}

extension Memtable {
    /// Test convenience: adds an entry from arrays.
    fileprivate func add(_ sequence: UInt64, _ type: ValueType, _ key: [UInt8], _ value: [UInt8]) {
        key.withUnsafeBytes { k in value.withUnsafeBytes { v in add(sequence: sequence, type: type, key: k, value: v) }
        }
    }

    fileprivate func get(_ key: [UInt8], _ sequence: UInt64) -> LookupResult? {
        key.withUnsafeBytes { get($0, sequence: sequence) }
    }
}

@Suite("Memtable: entries, lookups and concurrent readers")
struct MemtableTests {
    /// Random puts and tombstones over few keys, so keys have many versions; sequences ascend.
    private func randomEntries(seed: UInt64, count: Int) -> [ModelEntry] {
        var generator = SeededGenerator(seed: seed)
        return (1...count).map { i in
            let key = Array("key\(Int.random(in: 0..<60, using: &generator))".utf8)
            let isDelete = Int.random(in: 0..<4, using: &generator) == 0
            let value = isDelete ? [] : Array("value-\(i)-".utf8) + [UInt8](repeating: 0x5a, count: i % 50)
            return ModelEntry(key: key, sequence: UInt64(i), type: isDelete ? .deletion : .value, value: value)
        }
    }

    /// The model's answer to a lookup of `key` at `sequence`.
    private func modelGet(_ versions: [[UInt8]: [ModelEntry]], _ key: [UInt8], _ sequence: UInt64) -> LookupResult? {
        let newest = versions[key, default: []].filter { $0.sequence <= sequence }.max { $0.sequence < $1.sequence }
        guard let newest else { return nil }
        return newest.type == .value ? .found(newest.value) : .deleted
    }

    @Test("get returns the newest version visible at each snapshot", arguments: [11, 12, 13])
    func getAtSnapshots(seed: UInt64) {
        let entries = randomEntries(seed: seed, count: 2000)
        let memtable = Memtable()
        // Insert in a shuffled order: the skiplist must sort by internal key, not by arrival.
        var generator = SeededGenerator(seed: seed &+ 1000)
        for entry in entries.shuffled(using: &generator) {
            memtable.add(entry.sequence, entry.type, entry.key, entry.value)
        }
        let versions = Dictionary(grouping: entries, by: \.key)
        for snapshot in stride(from: UInt64(0), through: 2001, by: 37) {
            for k in 0..<62 {
                let key = Array("key\(k)".utf8)
                #expect(
                    memtable.get(key, snapshot) == modelGet(versions, key, snapshot),
                    "seed \(seed), key\(k) at \(snapshot)")
            }
        }
        #expect(memtable.get([], 5000) == nil)
        #expect(memtable.get(Array("key".utf8), 5000) == nil)
    }

    @Test("the iterator yields every entry in internal key order and seeks to the lower bound", arguments: [21, 22])
    func iteration(seed: UInt64) {
        let entries = randomEntries(seed: seed, count: 1500)
        let memtable = Memtable()
        var generator = SeededGenerator(seed: seed &+ 1000)
        for entry in entries.shuffled(using: &generator) {
            memtable.add(entry.sequence, entry.type, entry.key, entry.value)
        }
        let model = entries.sorted { InternalKey.compare($0.internalKey, $1.internalKey) < 0 }

        let iterator = memtable.makeIterator()
        #expect(!iterator.isValid)
        iterator.seekToFirst()
        var index = 0
        while iterator.isValid {
            #expect(index < model.count)
            guard index < model.count else { break }
            #expect(Array(iterator.key) == model[index].internalKey, "seed \(seed), entry \(index)")
            #expect(Array(iterator.value) == model[index].value, "seed \(seed), entry \(index)")
            iterator.next()
            index += 1
        }
        #expect(index == model.count, "seed \(seed)")
        #expect(iterator.error == nil)

        for _ in 0..<300 {
            let key = Array("key\(Int.random(in: 0..<62, using: &generator))".utf8)
            let target = InternalKey.make(key, sequence: UInt64.random(in: 0...1501, using: &generator), type: .value)
            let expected = model.first { InternalKey.compare($0.internalKey, target) >= 0 }
            target.withUnsafeBytes { iterator.seek($0) }
            #expect(iterator.isValid == (expected != nil), "seed \(seed)")
            if let expected, iterator.isValid {
                #expect(Array(iterator.key) == expected.internalKey, "seed \(seed)")
            }
        }
    }

    @Test("an iterator keeps its memtable alive")
    func iteratorKeepsMemtable() {
        var iterator: (any InternalIterator)?
        do {
            let memtable = Memtable()
            memtable.add(1, .value, Array("a".utf8), Array("1".utf8))
            iterator = memtable.makeIterator()
        }
        iterator?.seekToFirst()
        #expect(iterator.map { Array($0.value) } == Array("1".utf8))
    }

    @Test("memory usage grows with what is added")
    func memoryUsage() {
        let memtable = Memtable()
        let before = memtable.approximateMemoryUsage
        let value = [UInt8](repeating: 1, count: 1000)
        for i in 0..<3000 { memtable.add(UInt64(i + 1), .value, Array("k\(i)".utf8), value) }
        #expect(memtable.approximateMemoryUsage >= before + 3000 * 1000)
        #expect(memtable.approximateMemoryUsage < before + 3000 * 1200 + Arena.blockSize)
        // A huge value gets a block of its own and is counted in full.
        let huge = [UInt8](repeating: 2, count: 3 * Arena.blockSize)
        let usage = memtable.approximateMemoryUsage
        memtable.add(9999, .value, Array("huge".utf8), huge)
        #expect(memtable.approximateMemoryUsage >= usage + huge.count)
        #expect(memtable.get(Array("huge".utf8), 9999) == .found(huge))
    }

    #if canImport(Glibc)
        @Test("readers iterate and look up while one writer inserts, always seeing sorted, complete data")
        func concurrentReaders() {
            let seed: UInt64 = 31
            let total = 200_000
            let memtable = Memtable()
            // Keys are a fixed function of the insert number, unique, in random order; the value
            // repeats the key so a reader can check an entry is whole.
            @Sendable func key(_ i: Int) -> [UInt8] {
                var state = SeededGenerator(seed: seed &+ UInt64(i))
                return Array("k\(state.next() % 1_000_000_000)-\(i)".utf8)
            }
            let published = Atomic<Int>(0)
            let failures = Mutex<[String]>([])
            let done = Atomic<Bool>(false)

            let writer: @Sendable () -> Void = {
                for i in 0..<total {
                    let k = key(i)
                    memtable.add(UInt64(i + 1), .value, k, k + k)
                    published.store(i + 1, ordering: .releasing)
                }
                done.store(true, ordering: .releasing)
            }
            let reader: @Sendable (Int) -> Void = { readerIndex in
                var generator = SeededGenerator(seed: seed &+ UInt64(readerIndex) &* 7919)
                var passes = 0
                while !done.load(ordering: .acquiring) || passes < 2 {
                    passes += 1
                    // Every entry published before the walk starts must be seen, in order.
                    let visibleAtStart = published.load(ordering: .acquiring)
                    let iterator = memtable.makeIterator()
                    iterator.seekToFirst()
                    var previous: [UInt8] = []
                    var count = 0
                    while iterator.isValid {
                        let current = Array(iterator.key)
                        if count > 0 && InternalKey.compare(previous, current) >= 0 {
                            failures.withLock { $0.append("reader \(readerIndex): out of order at \(count)") }
                            return
                        }
                        let userKey = Array(InternalKey.userKey(iterator.key))
                        if Array(iterator.value) != userKey + userKey {
                            failures.withLock { $0.append("reader \(readerIndex): torn value at \(count)") }
                            return
                        }
                        previous = current
                        count += 1
                        iterator.next()
                    }
                    if count < visibleAtStart {
                        failures.withLock { $0.append("reader \(readerIndex): saw \(count) < \(visibleAtStart)") }
                        return
                    }
                    // Lookups of published keys must find them.
                    let limit = published.load(ordering: .acquiring)
                    guard limit > 0 else { continue }
                    for _ in 0..<2000 {
                        let i = Int.random(in: 0..<limit, using: &generator)
                        let k = key(i)
                        if memtable.get(k, UInt64(total)) != .found(k + k) {
                            failures.withLock { $0.append("reader \(readerIndex): lost key \(i)") }
                            return
                        }
                    }
                }
            }
            runThreads([writer, { reader(1) }, { reader(2) }, { reader(3) }])
            let messages = failures.withLock { $0 }
            #expect(messages.isEmpty, "seed \(seed): \(messages)")
            let iterator = memtable.makeIterator()
            iterator.seekToFirst()
            var count = 0
            while iterator.isValid { count += 1; iterator.next() }
            #expect(count == total)
        }
    #endif
}

#if canImport(Glibc)
    /// Holds a thread's body while it crosses into `pthread_create`.
    private final class ThreadBody: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs each body on its own OS thread (not the cooperative pool, which has only as many
    /// threads as cores) and waits for all of them.
    private func runThreads(_ bodies: [@Sendable () -> Void]) {
        var threads: [pthread_t] = []
        for body in bodies {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
            let status = pthread_create(
                &thread, nil,
                { context in
                    Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
                    return nil
                }, context)
            precondition(status == 0, "pthread_create failed: \(status)")
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
    }
#endif
