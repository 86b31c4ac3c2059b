/// How a ``BTreeDB`` opens its file and behaves; the defaults suit most uses.
public struct BTreeOptions: Sendable {
    /// Open for reading only: the file must exist, a shared lock is taken (so any number of read-only
    /// openers may coexist, but no writer), and ``BTreeDB/update(_:)`` throws
    /// ``BTreeError/databaseReadOnly``.
    public var readOnly = false

    /// Skip the two `fdatasync` calls of every commit. Commits are still atomic with respect to a crash
    /// of the *process* (the kernel keeps the written pages), but a power loss or kernel crash may lose
    /// recent commits or, since pages may reach the disk in any order, damage the file. Meant for bulk
    /// loads that are redone from scratch on failure; call ``BTreeDB/sync()`` at the end.
    public var noSync = false

    /// The page size of a *new* file, a power of two from 512 to 65536; `nil` means the operating
    /// system's page size (`sysconf(_SC_PAGESIZE)`, 4096 on x86-64 Linux). An existing file keeps the
    /// page size it was created with.
    public var pageSize: Int?

    /// Bytes of address space mapped at open (rounded up to a whole number of pages). The file is read
    /// through one read-only shared memory map of at least this size, which may extend past the end of
    /// the file; a commit that grows the file beyond it maps a region twice as large. Address space is
    /// cheap on 64-bit systems, so the default, 1 GiB, makes remapping rare.
    public var initialMapSize = 1 << 30

    /// Verify each page's CRC-32C the first time this process reads it (writes mark the pages they
    /// produce as verified), so a damaged page throws ``BTreeError/corruption(page:reason:)`` instead of
    /// returning wrong bytes. Each page is verified once per open, so the cost is small; turning it off
    /// leaves only the structural bounds checks, which still prevent crashes.
    public var verifyChecksums = true

    /// The most calls ``BTreeDB/batch(_:)`` coalesces into one transaction.
    public var maxBatchSize = 1000

    /// How long the first caller of a batch waits for others to join before committing.
    public var maxBatchDelay: Duration = .milliseconds(10)

    /// Debug mode: run ``BTreeDB/check()`` after every commit and throw
    /// ``BTreeError/checkFailed(_:)`` from the committing call if it finds a problem (the commit
    /// itself is already durable by then). It walks every page, so it is for tests only.
    public var checkEveryCommit = false

    /// The default options.
    public init() {}
}
