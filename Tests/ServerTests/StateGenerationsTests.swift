import Foundation
import Testing

@testable import Server

@Suite struct StateGenerationsTests {
    @Test func freshDirectoryStartsAtGenerationOne() throws {
        let directory = TemporaryDirectory("gens")
        defer { directory.cleanup() }
        let generations = StateGenerations(root: directory.path + "/state")
        #expect(try generations.openLive() == 1)
        #expect(FileManager.default.fileExists(atPath: generations.directory(of: 1)))
        #expect(try generations.openLive() == 1)
    }

    @Test func aHalfBuiltGenerationIsDiscardedAndASwitchedOneKept() throws {
        let directory = TemporaryDirectory("gens")
        defer { directory.cleanup() }
        let generations = StateGenerations(root: directory.path + "/state")
        _ = try generations.openLive()
        // A restore that crashed before its switch.
        let partial = try generations.prepare(2)
        try Data("half".utf8).write(to: URL(fileURLWithPath: partial + "/kv.db"))
        #expect(try generations.openLive() == 1)
        #expect(!FileManager.default.fileExists(atPath: partial))
        // A restore that switched, then crashed before deleting the old generation.
        _ = try generations.prepare(3)
        try generations.switchLive(to: 3)
        #expect(try generations.openLive() == 3)
        #expect(!FileManager.default.fileExists(atPath: generations.directory(of: 1)))
    }

    @Test func damagedStateFileIsAClearError() throws {
        let directory = TemporaryDirectory("gens")
        defer { directory.cleanup() }
        let generations = StateGenerations(root: directory.path + "/state")
        _ = try generations.openLive()
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: directory.path + "/state/STATE"))
        #expect(throws: StateMachineError.self) { try generations.openLive() }
        try Data("7\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/state/STATE"))
        #expect(throws: StateMachineError.self) { try generations.openLive() }
    }
}
