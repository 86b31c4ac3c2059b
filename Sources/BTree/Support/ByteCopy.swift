/// Copies `count` bytes from `source` to `destination` (which must not overlap). Short copies, the
/// keys and small values that fill pages, are done inline eight bytes at a time: a libc `memcpy` call
/// per key and value cost more than the copying itself when writing a page of them.
@inline(__always)
func copyBytes(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, count: Int) {
    guard count <= 256 else {
        destination.copyMemory(from: source, byteCount: count)
        return
    }
    var offset = 0
    while offset &+ 8 <= count {
        destination.storeBytes(
            of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset, as: UInt64.self)
        offset &+= 8
    }
    while offset < count {
        destination.storeBytes(
            of: source.load(fromByteOffset: offset, as: UInt8.self), toByteOffset: offset, as: UInt8.self)
        offset &+= 1
    }
}
