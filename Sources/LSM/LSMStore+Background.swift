extension LSMStore {
    /// Queues background work if there is some and none is queued (lock held).
    func scheduleBackgroundWork() {
        guard !state.backgroundScheduled, !state.shuttingDown, state.backgroundError == nil else { return }
        guard state.immutable != nil || state.manualCompaction != nil || state.versions.needsCompaction else {
            return
        }
        state.backgroundScheduled = true
        backgroundQueue.async { self.backgroundCall() }
    }

    /// One step of background work: a flush if one is pending, else one compaction.
    private func backgroundCall() {
        monitor.lock()
        defer { monitor.unlock() }
        if !state.shuttingDown && state.backgroundError == nil {
            do {
                try backgroundStep()
            } catch let error as LSMError {
                state.backgroundError = error
            } catch {
                state.backgroundError = .backgroundError("\(error)")
            }
        }
        state.backgroundScheduled = false
        // One step may have made the next one necessary (a flush filling level 0, say).
        scheduleBackgroundWork()
        backgroundProgress.broadcast()
    }

    private func backgroundStep() throws {
        if state.immutable != nil {
            try flushImmutable()
            return
        }
        try compactOnce()
        // Only now: the compaction pinned its input version, and with it the files it replaced.
        deleteObsoleteFiles()
    }

    /// Runs the manual compaction asked for, or else the one the current version most needs.
    private func compactOnce() throws {
        let compaction: Compaction?
        let manual = state.manualCompaction
        if let manual {
            compaction = state.versions.compaction(level: manual.level, begin: manual.begin, end: manual.end)
        } else {
            compaction = state.versions.pickCompaction()
        }
        defer {
            if let manual {
                manual.done = true
                if state.manualCompaction === manual { state.manualCompaction = nil }
            }
        }
        guard let compaction else { return }
        state.compactions += 1
        if manual == nil && compaction.isTrivialMove {
            // Nothing to merge: move the file down a level by editing the manifest only.
            let file = compaction.inputs[0][0]
            var edit = VersionEdit()
            edit.deletedFiles.append((level: compaction.level, number: file.number))
            edit.newFiles.append((level: compaction.level + 1, file: file))
            try state.versions.logAndApply(edit, monitor: monitor)
        } else {
            try runCompaction(compaction)
        }
    }

    /// Writes the immutable memtable to a table and installs it (lock held, released while writing).
    func flushImmutable() throws {
        guard let immutable = state.immutable else { return }
        let base = state.versions.current
        var edit = VersionEdit()
        if let file = try writeLevel0Table(immutable, level: base.levelForMemtableOutput) {
            edit.newFiles.append((level: file.level, file: file.file))
        }
        // Everything in WALs older than the current one is now in tables.
        edit.logNumber = state.logNumber
        try state.versions.logAndApply(edit, monitor: monitor)
        state.immutable = nil
        state.hasImmutable.store(false, ordering: .releasing)
        state.flushes += 1
        deleteObsoleteFiles()
        backgroundProgress.broadcast()
    }

    /// Writes `memtable` to a new synced table file (lock held, released while writing), for the level
    /// `chooseLevel` picks from its key range. Returns the file and its level, or `nil` when the
    /// memtable is empty.
    func writeLevel0Table(
        _ memtable: Memtable, level chooseLevel: (_ smallest: [UInt8], _ largest: [UInt8], LSMOptions) -> Int
    ) throws -> (file: FileMetaData, level: Int)? {
        let number = state.versions.newFileNumber()
        state.pendingOutputs.insert(number)
        defer { state.pendingOutputs.remove(number) }
        monitor.unlock()
        defer { monitor.lock() }
        let iterator = memtable.makeIterator()
        iterator.seekToFirst()
        guard iterator.isValid else { return nil }
        // The key range, and so the level, is known only after a pass over the memtable.
        let smallest = Array(iterator.key)
        var largest: [UInt8] = []
        while iterator.isValid {
            largest.removeAll(keepingCapacity: true)
            largest.append(contentsOf: iterator.key)
            iterator.next()
        }
        let level = chooseLevel(
            InternalKey.userKeyCopy(smallest), InternalKey.userKeyCopy(largest), options)
        let path = FileNames.table(directory, number)
        let file = try PosixFile.create(path)
        let builder = TableBuilder(options: options.forOutput(level: level), file: file, fileName: path)
        iterator.seekToFirst()
        while iterator.isValid {
            try builder.add(iterator.key, iterator.value)
            iterator.next()
        }
        if let error = iterator.error { throw error }
        let size = try builder.finish()
        try file.sync()
        try file.close()
        return (FileMetaData(number: number, size: size, smallest: smallest, largest: largest), level)
    }

    /// Merges a compaction's inputs into new files of the next level (lock held, released while
    /// merging), dropping versions no snapshot can see and tombstones with nothing left below them.
    private func runCompaction(_ compaction: Compaction) throws {
        let smallestSnapshot = state.oldestSnapshotSequence
        var outputs: [FileMetaData] = []
        var bytesWritten: Int64 = 0
        defer { for file in outputs { state.pendingOutputs.remove(file.number) } }

        monitor.unlock()
        var relocked = false
        defer { if !relocked { monitor.lock() } }

        var children: [any InternalIterator] = []
        for file in compaction.inputs[0] where compaction.level == 0 {
            children.append(try tableCache.makeIterator(fileNumber: file.number, size: file.size, fillCache: false))
        }
        let tableCache = self.tableCache
        if compaction.level > 0 {
            children.append(
                LevelIterator(files: compaction.inputs[0]) { file in
                    try tableCache.makeIterator(fileNumber: file.number, size: file.size, fillCache: false)
                })
        }
        children.append(
            LevelIterator(files: compaction.inputs[1]) { file in
                try tableCache.makeIterator(fileNumber: file.number, size: file.size, fillCache: false)
            })
        let input = MergingIterator(children: children)
        input.seekToFirst()

        var builder: TableBuilder?
        var outputFile: PosixFile?
        var outputNumber: UInt64 = 0
        var smallest: [UInt8] = []
        var largest: [UInt8] = []
        var currentUserKey: [UInt8] = []
        var hasCurrentUserKey = false
        var lastSequenceForKey = UInt64.max

        // Outputs are made durable on another thread while the merge goes on; every one of them is
        // durable before the edit below names it (and, if the compaction fails, before it returns).
        let syncer = OutputSyncer()
        defer { try? syncer.waitForAll() }
        func finishOutput() throws {
            guard let b = builder, let f = outputFile else { return }
            let size = try b.finish()
            syncer.syncAndClose(f)
            bytesWritten += Int64(size)
            outputs.append(FileMetaData(number: outputNumber, size: size, smallest: smallest, largest: largest))
            builder = nil
            outputFile = nil
        }

        while input.isValid {
            if state.hasImmutable.load(ordering: .acquiring) {
                // A full memtable blocks writers: flush it before going on.
                monitor.lock()
                defer { monitor.unlock() }
                if state.shuttingDown { break }
                try flushImmutable()
            }
            let key = input.key
            if builder != nil && compaction.shouldStopBefore(key) { try finishOutput() }
            guard key.count >= InternalKey.trailerSize, let type = InternalKey.type(key) else {
                throw LSMError.corruption(file: "compaction input", offset: 0, reason: "malformed internal key")
            }
            let userKey = InternalKey.userKey(key)
            let sequence = InternalKey.sequence(key)
            var drop = false
            let sameKey = hasCurrentUserKey && currentUserKey.withUnsafeBytes { compareBytes($0, userKey) == 0 }
            if !sameKey {
                currentUserKey.removeAll(keepingCapacity: true)
                currentUserKey.append(contentsOf: userKey)
                hasCurrentUserKey = true
                lastSequenceForKey = UInt64.max
            }
            if lastSequenceForKey <= smallestSnapshot {
                // A newer version of this key is visible to every snapshot: this one is shadowed.
                drop = true
            } else if type == .deletion && sequence <= smallestSnapshot && compaction.isBaseLevelForKey(userKey) {
                // A tombstone nothing deeper needs and no snapshot predates.
                drop = true
            }
            lastSequenceForKey = sequence

            if !drop {
                if builder == nil {
                    monitor.lock()
                    outputNumber = state.versions.newFileNumber()
                    state.pendingOutputs.insert(outputNumber)
                    monitor.unlock()
                    let path = FileNames.table(directory, outputNumber)
                    let file = try PosixFile.create(path)
                    outputFile = file
                    builder = TableBuilder(
                        options: options.forOutput(level: compaction.level + 1), file: file, fileName: path)
                    smallest = Array(key)
                }
                try builder?.add(key, input.value)
                largest.removeAll(keepingCapacity: true)
                largest.append(contentsOf: key)
                if let b = builder, b.estimatedFileSize >= UInt64(compaction.maxOutputFileSize) {
                    try finishOutput()
                }
            }
            input.next()
        }
        if let error = input.error { throw error }
        try finishOutput()
        try syncer.waitForAll()

        monitor.lock()
        relocked = true
        if state.shuttingDown { return }
        state.compactionBytesRead += compaction.inputBytes
        state.compactionBytesWritten += bytesWritten
        var edit = VersionEdit()
        compaction.addInputDeletions(to: &edit)
        for file in outputs { edit.newFiles.append((level: compaction.level + 1, file: file)) }
        try state.versions.logAndApply(edit, monitor: monitor)
    }

    /// Deletes files no live version, pending output or needed WAL uses (lock held on entry and on
    /// return, released while unlinking).
    func deleteObsoleteFiles() {
        guard state.backgroundError == nil else { return }
        let live = state.versions.liveFiles().union(state.pendingOutputs)
        let oldestLog = state.versions.logNumber
        let manifest = state.versions.manifestNumber
        guard let names = try? FileSystem.listDirectory(directory) else { return }
        var obsolete: [(name: String, table: UInt64?)] = []
        for name in names {
            guard let kind = FileNames.parse(name) else { continue }
            let keep: Bool
            switch kind {
            case .wal(let n): keep = n >= oldestLog || n == state.logNumber
            case .manifest(let n): keep = n >= manifest
            case .table(let n): keep = live.contains(n)
            case .temp(let n): keep = live.contains(n)
            case .current, .lock: keep = true
            }
            if !keep {
                if case .table(let n) = kind {
                    obsolete.append((name, n))
                } else {
                    obsolete.append((name, nil))
                }
            }
        }
        guard !obsolete.isEmpty else { return }
        // Unlink without the lock, as LevelDB does: removing a multi-megabyte file takes the file
        // system a while, and writers need the lock. Safe because file numbers are never reused, so
        // nothing recreates an obsolete file meanwhile.
        monitor.unlock()
        defer { monitor.lock() }
        for file in obsolete {
            if let number = file.table { tableCache.evict(fileNumber: number) }
            try? FileSystem.remove(directory + "/" + file.name)
        }
    }
}
