/// The files of a database directory and how their names encode kind and number.
///
/// Every file but `CURRENT` and `LOCK` carries a number from one counter, so numbers are unique
/// across kinds and grow with time.
enum FileNames {
    /// The kinds of file an LSM directory holds.
    enum Kind: Equatable {
        case wal(UInt64)
        case table(UInt64)
        case manifest(UInt64)
        case current
        case lock
        case temp(UInt64)
    }

    static func wal(_ directory: String, _ number: UInt64) -> String {
        "\(directory)/\(padded(number)).log"
    }

    static func table(_ directory: String, _ number: UInt64) -> String {
        "\(directory)/\(padded(number)).ldb"
    }

    static func manifest(_ directory: String, _ number: UInt64) -> String {
        "\(directory)/MANIFEST-\(padded(number))"
    }

    static func current(_ directory: String) -> String { "\(directory)/CURRENT" }
    static func lock(_ directory: String) -> String { "\(directory)/LOCK" }

    static func temp(_ directory: String, _ number: UInt64) -> String {
        "\(directory)/\(padded(number)).dbtmp"
    }

    /// The kind and number of a file name (not a path), or `nil` for names the store does not own.
    static func parse(_ name: String) -> Kind? {
        if name == "CURRENT" { return .current }
        if name == "LOCK" { return .lock }
        if name.hasPrefix("MANIFEST-") {
            return UInt64(name.dropFirst("MANIFEST-".count)).map { .manifest($0) }
        }
        guard let dot = name.lastIndex(of: "."), let number = UInt64(name[..<dot]) else { return nil }
        switch name[name.index(after: dot)...] {
        case "log": return .wal(number)
        case "ldb": return .table(number)
        case "dbtmp": return .temp(number)
        default: return nil
        }
    }

    private static func padded(_ number: UInt64) -> String {
        let digits = String(number)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }
}
