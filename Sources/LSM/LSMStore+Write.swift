#if canImport(Glibc)
    import Glibc
#endif

extension LSMStore {
    /// Commits `writer` through the group-commit queue.
    ///
    /// Writers queue up under the lock. The one at the front leads: it gathers the batches queued
    /// behind it into one group, releases the lock, appends the group to the WAL as one record (and
    /// fsyncs once if any writer asked for it), inserts it into the memtable, then retakes the lock,
    /// publishes the new sequence number and marks every writer of the group done. So concurrent
    /// writers share a write(2) and an fsync.
    func commit(_ writer: Writer) throws {
        monitor.lock()
        defer { monitor.unlock() }
        if state.closed { throw LSMError.closed }
        state.writers.append(writer)
        while !writer.done && state.frontWriter !== writer { writersChanged.wait() }
        if writer.done {
            if let error = writer.error { throw error }
            return
        }

        var lastWriter = writer
        var failure: LSMError?
        do {
            try makeRoomForWrite(force: writer.forceFlush)
            if writer.batch.count > 0 {
                var (merged, last) = buildGroup()
                lastWriter = last
                let sequence = state.versions.lastSequence + 1
                let count: UInt64
                if merged != nil {
                    merged?.sequence = sequence
                    count = UInt64(merged?.count ?? 0)
                } else {
                    // Alone: stamp the leader's own batch, which nothing else references.
                    writer.batch.sequence = sequence
                    count = UInt64(writer.batch.count)
                }
                let needsSync = groupNeedsSync(upTo: last)
                let log = state.log
                let memtable = state.memtable
                // Only the leader touches the log and inserts into the memtable, so both happen
                // without the lock while new writers queue up.
                monitor.unlock()
                var writeError: LSMError?
                func apply(_ group: borrowing WriteBatch) throws {
                    try group.representation.withUnsafeBytes { try log?.addRecord($0) }
                    if needsSync { try log?.sync() }
                    try insert(group, into: memtable)
                }
                do {
                    if let merged { try apply(merged) } else { try apply(writer.batch) }
                } catch let error as LSMError {
                    writeError = error
                } catch {
                    writeError = .backgroundError("\(error)")
                }
                monitor.lock()
                if let writeError {
                    // The log may hold a partial record now; refuse further writes, as LevelDB does.
                    state.backgroundError = state.backgroundError ?? writeError
                    throw writeError
                }
                state.versions.lastSequence = sequence + count - 1
                state.writeGroups += 1
                if needsSync { state.walSyncs += 1 }
            }
        } catch let error as LSMError {
            failure = error
        } catch {
            failure = .backgroundError("\(error)")
        }

        // Mark the group done, leader included, and hand the queue to the next writer.
        while let front = state.frontWriter {
            state.popWriter()
            front.error = failure
            front.done = true
            if front.batch.count > 0 { state.writes += 1 }
            if front === lastWriter { break }
        }
        writersChanged.broadcast()
        if let failure { throw failure }
    }

    /// Gathers the leader's batch and those queued behind it into one, stopping at a size limit, at a
    /// `sync` writer when the leader does not sync (it must not wait for an fsync it did not ask
    /// for), and at a forced flush.
    private func buildGroup() -> (merged: WriteBatch?, last: Writer) {
        let leader = state.writers[state.writersHead]
        var size = leader.batch.approximateSize
        // Small writes should not be slowed by a large group.
        let maxSize = size <= 128 << 10 ? size + (128 << 10) : 1 << 20
        var last = leader
        var group: WriteBatch?
        var index = state.writersHead + 1
        while index < state.writers.count {
            let next = state.writers[index]
            if next.sync && !leader.sync { break }
            if next.forceFlush { break }
            size += next.batch.approximateSize
            if size > maxSize { break }
            if group == nil { group = leader.batch }
            group?.append(contentsOf: next.batch)
            last = next
            index += 1
        }
        return (group, last)
    }

    private func groupNeedsSync(upTo last: Writer) -> Bool {
        var index = state.writersHead
        while index < state.writers.count {
            let writer = state.writers[index]
            if writer.sync { return true }
            if writer === last { break }
            index += 1
        }
        return false
    }

    /// Inserts every operation of `batch`, numbered from its sequence, into `memtable`.
    func insert(_ batch: WriteBatch, into memtable: Memtable) throws {
        var sequence = batch.sequence
        do {
            try batch.forEach { type, key, value in
                memtable.add(sequence: sequence, type: type, key: key, value: value)
                sequence += 1
            }
        } catch let error as WriteBatchDecodingError {
            throw LSMError.invalidArgument("malformed write batch: \(error.reason)")
        }
    }

    /// How much of a new WAL to reserve at a time: a little more than a memtable's worth of records,
    /// so that most WALs are written inside one reservation (see ``LogWriter``).
    static func walPreallocation(_ options: LSMOptions) -> Int {
        options.writeBufferSize + options.writeBufferSize / 4
    }

    /// Makes sure the memtable has room for a write (called by the leader, lock held). Slows writes
    /// by 1 ms each while level 0 is filling up, waits while a flush is pending or level 0 is full,
    /// and switches to a new memtable and WAL when the current one is full (or `force`).
    func makeRoomForWrite(force: Bool) throws {
        var allowDelay = !force
        var force = force
        while true {
            if let error = state.backgroundError { throw error }
            let level0Files = state.versions.current.files[0].count
            if allowDelay && level0Files >= options.level0SlowdownWritesTrigger {
                // Hand a millisecond to compaction rather than stopping dead later on.
                state.slowedWrites += 1
                monitor.unlock()
                usleep(1000)
                monitor.lock()
                allowDelay = false
            } else if !force && state.memtable.approximateMemoryUsage <= options.writeBufferSize {
                return
            } else if state.immutable != nil {
                state.stalledWrites += 1
                backgroundProgress.wait()
            } else if level0Files >= options.level0StopWritesTrigger {
                state.stalledWrites += 1
                backgroundProgress.wait()
            } else {
                let number = state.versions.newFileNumber()
                let file = try PosixFile.createReadWrite(FileNames.wal(directory, number))
                try state.log?.close()
                state.log = LogWriter(file: file, preallocationChunk: LSMStore.walPreallocation(options))
                state.logNumber = number
                state.immutable = state.memtable
                state.hasImmutable.store(true, ordering: .releasing)
                state.memtable = Memtable()
                force = false
                scheduleBackgroundWork()
            }
        }
    }
}
