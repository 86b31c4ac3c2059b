import Testing

@testable import Server

@Suite struct KeyValueStoreTests {
    @Test func appliesCommandsWithTheAppliedIndexAndReopens() throws {
        let directory = TemporaryDirectory("kv")
        defer { directory.cleanup() }
        do {
            let store = try KeyValueStore(path: directory.path + "/kv.db")
            #expect(try store.appliedIndex() == 0)
            try store.apply(
                [
                    .put(key: bytes("services/web/1"), value: bytes("a")),
                    .put(key: bytes("empty"), value: []),
                    .put(key: bytes("gone"), value: bytes("x")),
                    .delete(key: bytes("gone")),
                    .delete(key: bytes("never-there")),
                    .setMember(id: "node02", httpAddress: "127.0.0.1:8002", raftAddress: "127.0.0.1:8102"),
                    .grant(id: 1, name: bytes("ignored here"), ttl: 5),
                ], lastIndex: 17)
            #expect(try store.get(bytes("services/web/1")) == bytes("a"))
            #expect(try store.get(bytes("empty")) == [])
            #expect(try store.get(bytes("gone")) == nil)
            #expect(try store.appliedIndex() == 17)
            try store.close()
        }
        let reopened = try KeyValueStore(path: directory.path + "/kv.db")
        #expect(try reopened.appliedIndex() == 17)
        let members = try reopened.members()
        #expect(members["node02"]?.httpAddress == "127.0.0.1:8002")
        #expect(members["node02"]?.raftAddress == "127.0.0.1:8102")
        try reopened.apply([.removeMember(id: "node02")], lastIndex: 18)
        #expect(try reopened.members().isEmpty)
        try reopened.close()
    }

    @Test func userKeysCannotTouchMetadata() throws {
        let directory = TemporaryDirectory("kv")
        defer { directory.cleanup() }
        let store = try KeyValueStore(path: directory.path + "/kv.db")
        try store.apply([.put(key: bytes("applied"), value: bytes("x"))], lastIndex: 3)
        #expect(try store.appliedIndex() == 3)
        #expect(try store.get(bytes("applied")) == bytes("x"))
        try store.close()
    }
}
