extension BTreeDB {
    /// Commits the write transaction `tx` (the caller holds the writer lock): the commit protocol.
    ///
    /// 1. rebalance and spill the changed nodes into new pages, and write a new freelist;
    /// 2. write those pages (`pwritev`, in page order) and `fdatasync`;
    /// 3. map a larger region if the file outgrew the map;
    /// 4. write the meta page `txid % 2` and `fdatasync` again;
    /// 5. publish the new meta (and map) to new transactions.
    ///
    /// A crash before step 4 completes leaves the previous meta, whose pages this commit never touched,
    /// in charge. A failure in step 4 leaves the disk's state unknown, so writes are refused until the
    /// database is reopened.
    func commit(_ tx: Transaction) throws {
        try tx.prepareCommit()
        guard let map = tx.map else { throw BTreeError.transactionClosed }
        let dirty = tx.dirty
        let pageSize = self.pageSize

        // The pages about to be written no longer hold what any verified bit describes.
        for run in dirty.runs {
            for id in run.id..<run.id + UInt64(run.pages) where id < map.pageCapacity {
                map.clearVerified(id)
            }
        }
        dirty.seal()
        try dirty.write(to: file, fileEnd: tx.space.pageCount)
        if !options.noSync { try file.sync() }

        var newMap: MemoryMap?
        let needed = Int(tx.meta.pageCount) * pageSize
        if needed > map.size {
            var size = map.size
            while size < needed { size = size < 1 << 30 ? size * 2 : size + (1 << 30) }
            newMap = try MemoryMap(descriptor: file.fd, size: size, pageSize: pageSize, path: path, previous: map)
        }

        let slot = tx.meta.txid % 2
        let metaPage = UnsafeMutableRawPointer.allocate(byteCount: pageSize, alignment: pageSize)
        defer { metaPage.deallocate() }
        tx.meta.write(to: metaPage, slot: slot)
        do {
            try file.write(UnsafeRawBufferPointer(start: metaPage, count: pageSize), at: Int64(slot) * Int64(pageSize))
            if !options.noSync { try file.sync() }
        } catch {
            writer.failure = "writing meta page \(slot) of transaction \(tx.meta.txid) failed: \(error)"
            throw error
        }

        let current = newMap ?? map
        for run in dirty.runs where !run.isFreelist { current.markVerified(run.id) }
        writer.freelist = tx.freelist
        writer.freelistPages = tx.newFreelistPages
        let written = dirty.pageCount + 1
        let counters = tx.counters
        let freelist = tx.freelist
        state.withLock { state in
            state.meta = tx.meta
            if let newMap {
                state.map = newMap
                state.remaps += 1
            }
            state.commits += 1
            state.pagesWritten += written
            state.bytesWritten += Int64(written) * Int64(pageSize)
            state.splits += counters.splits
            state.rebalances += counters.rebalances
            state.overflowPagesWritten += counters.overflowPagesWritten
            state.freePages = freelist.freeCount
            state.pendingPages = freelist.pendingCount
        }
    }
}
