extension SnapshotMetadata {
    /// Writes `varint(index) | varint(term) | configuration`.
    func encode(into writer: inout ByteWriter) {
        writer.writeVarint(index)
        writer.writeVarint(term)
        configuration.encode(into: &writer)
    }

    /// Reads what ``encode(into:)`` writes.
    init(from reader: inout ByteReader) throws(RaftCodecError) {
        let index = try reader.readVarint("snapshot index")
        let term = try reader.readVarint("snapshot term")
        let configuration = try Configuration(from: &reader)
        self.init(index: index, term: term, configuration: configuration)
    }
}
