/// Binary searches directly over the bytes of a page in the map: no allocation, no copying, one
/// ``compareBytes(_:_:)`` per probe. The page must be a validated branch or leaf page.
enum PageSearch {
    /// The index of the child of branch `page` whose range holds `key`: the last element whose key is
    /// `<= key`, or element 0 when `key` sorts before all of them.
    @inline(__always)
    static func branch(_ page: Page, _ key: UnsafeRawBufferPointer) -> Int {
        var low = 0
        var high = page.count
        while low < high {
            let middle = (low &+ high) &>> 1
            let order = compareBytes(page.branchKey(middle), key)
            if order == 0 { return middle }
            if order < 0 { low = middle &+ 1 } else { high = middle }
        }
        return low > 0 ? low &- 1 : 0
    }

    /// The index of the first element of leaf `page` whose key is `>= key` (`count` if none), and
    /// whether its key equals `key`.
    @inline(__always)
    static func leaf(_ page: Page, _ key: UnsafeRawBufferPointer) -> (index: Int, exact: Bool) {
        var low = 0
        var high = page.count
        while low < high {
            let middle = (low &+ high) &>> 1
            let order = compareBytes(page.leafKey(middle), key)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle &+ 1 } else { high = middle }
        }
        return (low, false)
    }
}
