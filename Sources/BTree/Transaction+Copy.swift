#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension Transaction {
    /// Writes a consistent copy of the whole database, as this transaction sees it, to `sink`, in
    /// pieces of up to 1 MiB, and returns the number of bytes written. Writers go on committing
    /// meanwhile (bbolt's `Tx.WriteTo`).
    ///
    /// The copy's two meta pages both describe this transaction's snapshot; every other page is copied
    /// from the memory map. Pages that were free in the snapshot may be changing under the copy, which
    /// does not matter because the copy never reads them.
    @discardableResult
    public func write(to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try ensureOpen()
        let pageSize = space.pageSize
        let metaPage = UnsafeMutableRawPointer.allocate(byteCount: pageSize, alignment: pageSize)
        defer { metaPage.deallocate() }
        var copyMeta = meta
        copyMeta.txid = isWritable ? meta.txid : id
        for slot in 0..<2 {
            copyMeta.write(to: metaPage, slot: UInt64(slot))
            try sink(UnsafeRawBufferPointer(start: metaPage, count: pageSize))
        }
        var written = Int64(2 * pageSize)
        let total = Int(meta.pageCount) * pageSize
        var offset = 2 * pageSize
        let chunk = 1 << 20
        while offset < total {
            let length = min(chunk, total - offset)
            try sink(UnsafeRawBufferPointer(start: space.base + offset, count: length))
            offset += length
            written += Int64(length)
        }
        return written
    }

    /// Writes a consistent copy of the database to a new file at `path` (replacing any file there) and
    /// fsyncs it; the copy can be opened as a database of its own.
    public func copy(toPath path: String) throws {
        try ensureOpen()
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BTreeError.io(operation: "open", path: path, errno: errno) }
        defer { _ = Glibc.close(fd) }
        var position: Int64 = 0
        try write { bytes in
            guard var pointer = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let n = pwrite(fd, pointer, left, off_t(position))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw BTreeError.io(operation: "pwrite", path: path, errno: errno)
                }
                pointer += n
                left -= n
                position += Int64(n)
            }
        }
        guard fsync(fd) == 0 else { throw BTreeError.io(operation: "fsync", path: path, errno: errno) }
        try DatabaseFile.syncDirectory(of: path)
    }
}
