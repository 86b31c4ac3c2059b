/// The fields of a query string or an `application/x-www-form-urlencoded` body (`a=1&b=2`), decoded.
///
/// A name given twice keeps its first value, as Go's `FormValue` (which the seed used) does.
struct FormFields {
    private var values: [String: [UInt8]] = [:]

    /// Parses `text`; returns `nil` when a name or value has a malformed percent-escape.
    init?(_ text: some Collection<UInt8>) {
        for pair in text.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusIsSpace: true),
                let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusIsSpace: true) : []
            else { return nil }
            let key = String(decoding: name, as: UTF8.self)
            if values[key] == nil { values[key] = value }
        }
    }

    /// An empty set of fields.
    init() {}

    /// The raw bytes of field `name`.
    subscript(name: String) -> [UInt8]? { values[name] }

    /// Field `name` as text.
    func string(_ name: String) -> String? { values[name].map { String(decoding: $0, as: UTF8.self) } }

    /// Adds the fields of `other` that this set lacks (query fields after body fields, say).
    mutating func merge(_ other: FormFields) {
        values.merge(other.values) { mine, _ in mine }
    }
}
