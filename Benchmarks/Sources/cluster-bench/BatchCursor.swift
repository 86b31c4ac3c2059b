import Synchronization

/// The shared position in a batch of setup requests (a preload, lease grants): every client of the
/// batch takes the next index from it until all are taken, so each request is sent exactly once.
final class BatchCursor: Sendable {
    /// The number of requests in the batch.
    let count: Int
    /// The next index to take; may run past `count` as clients find the batch exhausted.
    private let next = Atomic<Int>(0)

    /// A cursor at the start of a batch of `count` requests.
    init(count: Int) { self.count = count }

    /// Takes the next index, or nil when every request has been taken.
    func take() -> Int? {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }
}
