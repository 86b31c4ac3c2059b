extension LSMStore {
    /// Locks the directory, creates or recovers the database, replays the WALs, and starts a new WAL
    /// and manifest. Called once from `init`.
    func open() throws {
        if !FileSystem.fileExists(directory) {
            guard options.createIfMissing else { throw LSMError.notFound(path: directory) }
        }
        try FileSystem.createDirectory(directory)
        let lock = try FileLock(path: FileNames.lock(directory))

        monitor.lock()
        defer { monitor.unlock() }
        state.lock = lock
        do {
            try recover()
        } catch {
            state.closed = true
            state.lock = nil
            lock.unlock()
            throw error
        }
        deleteObsoleteFiles()
        scheduleBackgroundWork()
    }

    private func recover() throws {
        let versions = state.versions
        if FileSystem.fileExists(FileNames.current(directory)) {
            if options.errorIfExists { throw LSMError.alreadyExists(path: directory) }
            try versions.recover()
        } else {
            guard options.createIfMissing else { throw LSMError.notFound(path: directory) }
            if try FileSystem.listDirectory(directory).contains(where: {
                if case .table = FileNames.parse($0) { return true }
                if case .manifest = FileNames.parse($0) { return true }
                return false
            }) {
                throw LSMError.corruption(
                    file: FileNames.current(directory), offset: 0,
                    reason: "CURRENT is missing but the directory holds tables or manifests")
            }
        }

        // Every table the manifest names must be there.
        let names = try FileSystem.listDirectory(directory)
        var present = Set<UInt64>()
        var logs: [UInt64] = []
        for name in names {
            switch FileNames.parse(name) {
            case .table(let n):
                present.insert(n)
                versions.markFileNumberUsed(n)
            case .wal(let n):
                versions.markFileNumberUsed(n)
                if n >= versions.logNumber { logs.append(n) }
            case .temp(let n), .manifest(let n):
                versions.markFileNumberUsed(n)
            default: break
            }
        }
        for level in versions.current.files {
            for file in level where !present.contains(file.number) {
                throw LSMError.corruption(
                    file: FileNames.table(directory, file.number), offset: 0,
                    reason: "table named by the manifest is missing")
            }
        }

        // Replay the WALs, oldest first, into memtables flushed to level 0 as they fill.
        var edit = VersionEdit()
        var maxSequence = versions.lastSequence
        for number in logs.sorted() {
            try replay(log: number, into: &edit, maxSequence: &maxSequence)
        }
        versions.lastSequence = maxSequence

        let logNumber = versions.newFileNumber()
        state.log = LogWriter(
            file: try PosixFile.createReadWrite(FileNames.wal(directory, logNumber)),
            preallocationChunk: LSMStore.walPreallocation(options))
        state.logNumber = logNumber
        edit.logNumber = logNumber
        try versions.logAndApply(edit, monitor: monitor)
        // Always a fresh manifest: the old one may end in a torn record, and appending after it
        // would hide every later edit.
        try versions.writeNewManifest()
    }

    /// Replays one WAL into memtables; full ones (and the last) become level-0 tables in `edit`.
    private func replay(log number: UInt64, into edit: inout VersionEdit, maxSequence: inout UInt64) throws {
        let path = FileNames.wal(directory, number)
        let reader = LogReader(file: try PosixFile.openForReading(path))
        var memtable = Memtable()
        var entries = 0
        while let record = try reader.readRecord() {
            let batch = try WriteBatch(logRecord: record, path: path, offset: reader.lastRecordOffset)
            try insert(batch, into: memtable)
            entries += batch.count
            if batch.count > 0 {
                let (last, overflow) = batch.sequence.addingReportingOverflow(UInt64(batch.count - 1))
                guard !overflow, last <= InternalKey.maxSequence else {
                    throw LSMError.corruption(
                        file: path, offset: reader.lastRecordOffset, reason: "sequence number out of range")
                }
                maxSequence = max(maxSequence, last)
            }
            if memtable.approximateMemoryUsage > options.writeBufferSize {
                if let output = try writeLevel0Table(memtable, level: { _, _, _ in 0 }) {
                    edit.newFiles.append((level: 0, file: output.file))
                }
                memtable = Memtable()
                entries = 0
            }
        }
        if entries > 0, let output = try writeLevel0Table(memtable, level: { _, _, _ in 0 }) {
            edit.newFiles.append((level: 0, file: output.file))
        }
    }
}
