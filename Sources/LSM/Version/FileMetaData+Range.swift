extension FileMetaData {
    /// The user key of ``smallest``.
    var smallestUserKey: [UInt8] { Array(smallest.dropLast(InternalKey.trailerSize)) }
    /// The user key of ``largest``.
    var largestUserKey: [UInt8] { Array(largest.dropLast(InternalKey.trailerSize)) }

    /// Whether `userKey` lies within the file's user-key range.
    func contains(userKey: UnsafeRawBufferPointer) -> Bool {
        smallest.withUnsafeBytes { s in
            largest.withUnsafeBytes { l in
                compareBytes(userKey, InternalKey.userKey(s)) >= 0 && compareBytes(userKey, InternalKey.userKey(l)) <= 0
            }
        }
    }
}
