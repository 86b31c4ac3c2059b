#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A growable byte buffer in raw memory, reused across blocks by the table builder.
///
/// `[UInt8]` would do, but its appends check uniqueness and capacity per byte; the builders append
/// a few varints and two memcpys per entry, so they work on a raw pointer and grow it rarely.
/// Pointers obtained from the buffer stay valid until the next append that grows it.
final class ByteBuffer {
    /// The start of the buffer's memory.
    private(set) var base: UnsafeMutableRawPointer
    /// How many bytes are in use.
    private(set) var count: Int = 0
    /// How many bytes `base` can hold.
    private(set) var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    /// The bytes in use.
    @inline(__always)
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Where the next appended byte goes.
    @inline(__always)
    var tail: UnsafeMutableRawPointer { base + count }

    /// Ensures room for `additional` more bytes without growing.
    @inline(__always)
    func reserve(_ additional: Int) {
        if count + additional > capacity { grow(to: count + additional) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Marks `n` bytes written directly at ``tail`` (after ``reserve(_:)``) as in use.
    @inline(__always)
    func advance(by n: Int) {
        count += n
    }

    /// Forgets all bytes, keeping the memory.
    @inline(__always)
    func removeAll() {
        count = 0
    }

    /// Keeps only the first `length` bytes.
    @inline(__always)
    func truncate(to length: Int) {
        count = length
    }

    @inline(__always)
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    func append(byte: UInt8) {
        reserve(1)
        (base + count).storeBytes(of: byte, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func appendFixed32(_ value: UInt32) {
        reserve(4)
        Coding.storeFixed32(base + count, value)
        count += 4
    }

    @inline(__always)
    func appendFixed64(_ value: UInt64) {
        reserve(8)
        Coding.storeFixed64(base + count, value)
        count += 8
    }

    @inline(__always)
    func appendVarint64(_ value: UInt64) {
        reserve(10)
        count += Coding.storeVarint64(base + count, value)
    }
}
