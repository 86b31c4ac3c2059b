/// The user's view of an internal iterator at a snapshot: each user key once, with the value of its
/// newest entry whose sequence is at most the snapshot; keys whose newest such entry is a tombstone
/// are left out, and so is everything a tombstone shadows.
///
/// Forward only. `key` and `value` point into the internal iterator's memory and stay valid until
/// the iterator moves. Apart from a scratch buffer holding the user key being stepped past (and the
/// seek target), a step allocates nothing.
final class DBIterator {
    private let iterator: any InternalIterator
    private let sequence: UInt64
    /// Keys at or after this user key are out of range (nil: no bound). A raw copy, so the per-entry
    /// check does no reference counting.
    private let upperBound: UnsafeRawBufferPointer?
    /// The user key being stepped past (the previous result, or a tombstone's key): `skipKeyCount`
    /// bytes of a raw buffer of `skipKeyCapacity`, grown when a longer key comes. Raw rather than an
    /// array so that a step does no uniqueness checks or reference counting.
    private var skipKeyBytes: UnsafeMutableRawPointer
    private var skipKeyCapacity = 64
    private var skipKeyCount = 0
    /// Scratch for building seek targets.
    private var target: [UInt8] = []
    private var currentKey = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var isValid = false
    private var ownError: LSMError?

    /// Wraps `iterator` (which it owns from now on) to show the store as of `sequence`, limited to
    /// user keys before `upperBound` when one is given. `sequence` is at most `InternalKey.maxSequence`.
    init(_ iterator: any InternalIterator, sequence: UInt64, upperBound: [UInt8]? = nil) {
        precondition(sequence <= InternalKey.maxSequence, "snapshot sequence out of range")
        self.iterator = iterator
        self.sequence = sequence
        if let upperBound {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: upperBound.count, alignment: 1)
            copy.copyBytes(from: upperBound)
            self.upperBound = UnsafeRawBufferPointer(copy)
        } else {
            self.upperBound = nil
        }
        skipKeyBytes = .allocate(byteCount: skipKeyCapacity, alignment: 1)
    }

    deinit {
        upperBound?.deallocate()
        skipKeyBytes.deallocate()
    }

    /// Positions at the first visible user key.
    func seekToFirst() {
        iterator.seekToFirst()
        findVisibleEntry(skipping: false)
    }

    /// Positions at the first visible user key at or after `userKey`.
    func seek(toUserKey userKey: UnsafeRawBufferPointer) {
        target.removeAll(keepingCapacity: true)
        // (userKey, snapshot, .value) sorts before every entry of userKey the snapshot can see.
        InternalKey.append(&target, userKey: userKey, sequence: sequence, type: .value)
        target.withUnsafeBytes { iterator.seek($0) }
        findVisibleEntry(skipping: false)
    }

    /// Moves to the next visible user key. Requires `isValid`.
    func next() {
        precondition(isValid, "next() on an invalid DBIterator")
        // The older versions of the current key follow it; remember it to step past them.
        rememberSkipKey(currentKey)
        iterator.next()
        findVisibleEntry(skipping: true)
    }

    /// The current user key. Requires `isValid`.
    var key: UnsafeRawBufferPointer { currentKey }

    /// The current value. Requires `isValid`.
    var value: UnsafeRawBufferPointer { iterator.value }

    /// The first error met (a damaged table, an I/O failure); once set, `isValid` is false.
    var error: LSMError? { ownError ?? iterator.error }

    /// Advances the internal iterator to the newest visible put of a user key that is not the
    /// remembered skip key (when `skipping`) and not shadowed by a visible tombstone, stopping at
    /// the bound.
    private func findVisibleEntry(skipping startSkipping: Bool) {
        var skipping = startSkipping
        isValid = false
        guard ownError == nil else { return }
        while iterator.isValid {
            let internalKey = iterator.key
            guard internalKey.count >= InternalKey.trailerSize else {
                ownError = .corruption(
                    file: "(iterator)", offset: -1,
                    reason: "internal key of \(internalKey.count) bytes is shorter than its trailer")
                return
            }
            let userKey = InternalKey.userKey(internalKey)
            if let upperBound, compareBytes(userKey, upperBound) >= 0 { return }
            let trailer = InternalKey.trailer(internalKey)
            if trailer >> 8 <= sequence && !(skipping && isSkipKey(userKey)) {
                switch ValueType(rawValue: UInt8(truncatingIfNeeded: trailer)) {
                case .value:
                    currentKey = userKey
                    isValid = true
                    return
                case .deletion:
                    // Everything older for this key is shadowed.
                    rememberSkipKey(userKey)
                    skipping = true
                case nil:
                    ownError = .corruption(
                        file: "(iterator)", offset: -1,
                        reason: "unknown value type \(UInt8(truncatingIfNeeded: trailer)) in internal key")
                    return
                }
            }
            iterator.next()
        }
    }

    /// Copies `userKey` into the skip-key buffer, growing it if needed.
    @inline(__always)
    private func rememberSkipKey(_ userKey: UnsafeRawBufferPointer) {
        if userKey.count > skipKeyCapacity {
            skipKeyBytes.deallocate()
            skipKeyCapacity = max(userKey.count, 2 * skipKeyCapacity)
            skipKeyBytes = .allocate(byteCount: skipKeyCapacity, alignment: 1)
        }
        if let base = userKey.baseAddress { skipKeyBytes.copyMemory(from: base, byteCount: userKey.count) }
        skipKeyCount = userKey.count
    }

    /// Whether `userKey` is the remembered skip key.
    @inline(__always)
    private func isSkipKey(_ userKey: UnsafeRawBufferPointer) -> Bool {
        compareBytes(userKey, UnsafeRawBufferPointer(start: skipKeyBytes, count: skipKeyCount)) == 0
    }
}
