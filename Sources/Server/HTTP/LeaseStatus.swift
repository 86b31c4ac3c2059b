/// A lease as `/lease/timetolive` and `/lease/list` show it.
struct LeaseStatus: Sendable, Equatable {
    /// One live key and the whole seconds left on its countdown.
    struct Key: Sendable, Equatable {
        var name: [UInt8]
        var remaining: Int64
    }

    var id: UInt64
    var name: [UInt8]
    var ttl: UInt32
    /// Whole seconds until the lease would expire if nothing kept it alive: the latest of its keys'
    /// countdowns, or its grant countdown when it was never kept alive.
    var remaining: Int64
    var state: LeaseState
    var keys: [Key]

    /// `{"id","name","ttl","remaining","state"}` and, when `withKeys`, `"keys":[{"key","remaining"}]`.
    func appendJSON(to out: inout [UInt8], withKeys: Bool) {
        out += Array("{\"id\":\(id),\"name\":".utf8)
        JSONText.appendString(&out, name)
        out += Array(",\"ttl\":\(ttl),\"remaining\":\(remaining),\"state\":\"\(state.name)\"".utf8)
        if withKeys {
            out += Array(",\"keys\":[".utf8)
            for (offset, key) in keys.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                out += Array("{\"key\":".utf8)
                JSONText.appendString(&out, key.name)
                out += Array(",\"remaining\":\(key.remaining)}".utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }
}
