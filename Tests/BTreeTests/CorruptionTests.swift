import BTree
import Foundation
import Testing

/// Damaged pages give `BTreeError.corruption` (or a `check()` problem), never a crash and, with
/// checksums on, never wrong bytes.
@Suite("Corruption")
struct CorruptionTests {
    static func value(_ i: Int) -> [UInt8] {
        let length = i % 97 == 0 ? 3000 + i % 5000 : 20 + i % 60
        return (0..<length).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) }
    }

    /// A closed database with `count` keys (some with overflow values) and a nested bucket; returns
    /// the model.
    static func makeDatabase(_ path: String, count: Int, pageSize: Int? = nil) throws -> [[UInt8]: [UInt8]] {
        var options = BTreeOptions()
        options.pageSize = pageSize
        options.noSync = true
        let db = try BTreeDB(path: path, options: options)
        var model: [[UInt8]: [UInt8]] = [:]
        try db.update { tx in
            let b = try tx.createBucket("b")
            let nested = try b.createBucket("nested")
            for i in 0..<count {
                let key = bytes("key\(i * 7919 % count)")
                try b.put(key, Self.value(i))
                model[key] = Self.value(i)
                if i % 10 == 0 { try nested.put(key, bytes("n\(i)")) }
            }
        }
        try db.close()
        return model
    }

    /// Reads everything a database holds, forwards, backwards and by key; returns the first error.
    static func readEverything(_ db: BTreeDB, model: [[UInt8]: [UInt8]], verify: Bool) -> (any Error)? {
        do {
            try db.view { tx in
                guard let b = try tx.bucket("b") else { return }
                let cursor = try b.cursor()
                var entry = try cursor.first()
                while let (key, value) = entry {
                    if verify, let value, let expected = model[key] {
                        #expect(value == expected, "wrong bytes returned for \(key) with checksums on")
                    }
                    entry = try cursor.next()
                }
                entry = try cursor.last()
                while entry != nil { entry = try cursor.prev() }
                for (key, expected) in model {
                    let got = try b.get(key)
                    if verify, let got { #expect(got == expected, "wrong bytes for \(key) with checksums on") }
                }
                if let nested = try b.bucket("nested") { try nested.forEach { _, _ in } }
            }
            return nil
        } catch {
            return error
        }
    }

    @Test("a flipped byte in a branch, leaf or overflow page is reported as corruption of that page")
    func flippedBytes() throws {
        let directory = TemporaryDirectory("btree-corrupt")
        defer { directory.cleanup() }
        let pristine = directory.path + "/pristine.db"
        let model = try Self.makeDatabase(pristine, count: 4000)
        let db = try BTreeDB(path: pristine)
        let (pages, problems) = try BTreeInspector.pages(of: db)
        try db.close()
        #expect(problems.isEmpty)
        for kind in ["branch", "leaf", "overflow"] {
            let victim = try #require(pages.first { $0.kind == kind && ($0.runIndex ?? 0) == 0 }, "no \(kind) page")
            let copy = directory.path + "/\(kind).db"
            try FileManager.default.copyItem(atPath: pristine, toPath: copy)
            let pageSize = try BTreeInspector.metaPages(path: copy)[0].pageSize
            // Byte 29: inside the first element of a tree page (the unused tail of a page is never read
            // and not checksummed), inside the value of an overflow run.
            try flipByte(in: copy, at: Int(victim.id) * pageSize + 29)

            let damaged = try BTreeDB(path: copy)
            let error = Self.readEverything(damaged, model: model, verify: true) as? BTreeError
            guard case .corruption(let page, let reason)? = error else {
                Issue.record("\(kind) page \(victim.id): expected a corruption error, got \(String(describing: error))")
                continue
            }
            #expect(page == victim.id, "\(kind): \(reason)")
            #expect(reason.contains("checksum"), "\(kind): \(reason)")
            #expect(reason.contains(copy), "the error names the file: \(reason)")
            do {
                try damaged.check()
                Issue.record("check() passed with a damaged \(kind) page")
            } catch BTreeError.checkFailed(let found) {
                #expect(found.contains { $0.kind == .corruptPage && $0.page == victim.id }, "\(found)")
            }
            try damaged.close()
        }
    }

    @Test("without checksums, bounds checks still turn damaged offsets and page ids into errors")
    func boundsChecksWithoutChecksums() throws {
        let directory = TemporaryDirectory("btree-bounds")
        defer { directory.cleanup() }
        let pristine = directory.path + "/pristine.db"
        let model = try Self.makeDatabase(pristine, count: 4000)
        var options = BTreeOptions()
        options.verifyChecksums = false
        let db = try BTreeDB(path: pristine, options: options)
        let pages = try BTreeInspector.pages(of: db).pages
        try db.close()
        let pageSize = try BTreeInspector.metaPages(path: pristine)[0].pageSize
        let leaf = try #require(pages.first { $0.kind == "leaf" && $0.bucket == "(root)/\"b\"" })
        let branch = try #require(pages.first { $0.kind == "branch" })

        // (file, offset, bytes): a key offset past the page, a child id far out of range, a child id
        // pointing back at its own page (a cycle), a huge element count.
        let damages: [(String, Int, [UInt8])] = [
            ("leaf key offset", Int(leaf.id) * pageSize + 24, [0xff, 0xff]),
            ("branch child", Int(branch.id) * pageSize + 24, [0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
            ("branch cycle", Int(branch.id) * pageSize + 24, withUnsafeBytes(of: branch.id.littleEndian) { Array($0) }),
            ("leaf count", Int(leaf.id) * pageSize + 6, [0xff, 0xff]),
        ]
        for (name, offset, data) in damages {
            let copy = directory.path + "/\(name.replacingOccurrences(of: " ", with: "-")).db"
            try FileManager.default.copyItem(atPath: pristine, toPath: copy)
            try overwrite(in: copy, at: offset, with: data)
            let damaged = try BTreeDB(path: copy, options: options)
            let error = Self.readEverything(damaged, model: model, verify: false) as? BTreeError
            guard case .corruption? = error else {
                Issue.record("\(name): expected a corruption error, got \(String(describing: error))")
                continue
            }
            #expect(throws: (any Error).self, "\(name): check() must fail") { try damaged.check() }
            try damaged.close()
        }
    }

    @Test("random damage to random pages never crashes reads, writes or check()")
    func randomDamage() throws {
        let seed = testSeed(default: 4_004)
        var random = SeededGenerator(seed: seed)
        let directory = TemporaryDirectory("btree-fuzz")
        defer { directory.cleanup() }
        let pristine = directory.path + "/pristine.db"
        let model = try Self.makeDatabase(pristine, count: 1500, pageSize: 1024)
        let pristineBytes = try Data(contentsOf: URL(fileURLWithPath: pristine))
        let pageCount = pristineBytes.count / 1024
        let rounds = longTests ? 2000 : 150
        var errors = 0
        for round in 0..<rounds {
            let context = "seed \(seed) (replay with BTREE_TEST_SEED=\(seed)), round \(round)"
            var damaged = [UInt8](pristineBytes)
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let page = Int.random(in: 2..<pageCount, using: &random)
                // Half the damage goes to headers and element arrays, where it changes structure.
                let within =
                    Bool.random(using: &random)
                    ? Int.random(in: 0..<96, using: &random) : Int.random(in: 0..<1024, using: &random)
                let offset = page * 1024 + within
                damaged[offset] ^= UInt8.random(in: 1...255, using: &random)
            }
            let path = directory.path + "/round.db"
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            var options = BTreeOptions()
            options.verifyChecksums = Bool.random(using: &random)
            options.noSync = true
            options.initialMapSize = 1 << 20
            let db: BTreeDB
            do {
                db = try BTreeDB(path: path, options: options)
            } catch {
                errors += 1
                continue
            }
            if Self.readEverything(db, model: model, verify: options.verifyChecksums) != nil { errors += 1 }
            do {
                try db.update { tx in
                    guard let b = try tx.bucket("b") else { return }
                    for i in 0..<50 {
                        let key = bytes("key\(Int.random(in: 0..<1500, using: &random))")
                        if i % 3 == 0 { try b.delete(key) } else { try b.put(key, Self.value(i)) }
                    }
                }
            } catch {
                errors += 1
            }
            _ = try? db.check()
            try db.close()
            _ = context
        }
        #expect(errors > 0, "the damage was never noticed: seed \(seed)")
    }
}
