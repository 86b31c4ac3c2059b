/// A reusable 16-byte key: the index written in decimal, zero-padded to 16 digits (db_bench's
/// `%016d`), so that key order is numeric order.
public final class KeyBuffer {
    /// Bytes in every key.
    public static let length = 16

    private let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: KeyBuffer.length, alignment: 8)

    public init() {}

    deinit { storage.deallocate() }

    /// Writes the key of `index` (0 <= index < 10^16) and returns it; valid until the next call.
    public func set(_ index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0, "key index must not be negative")
        var rest = index
        var i = Self.length
        while i > 0 {
            i -= 1
            storage[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return UnsafeRawBufferPointer(storage)
    }
}
