import Foundation
import Testing

/// Expects `response` to be an error answer with `status` and a JSON body `{"error": "..."}` with a
/// non-empty message, as API.md's "Bad input" promises.
func expectJSONError(
    _ response: HTTPResponse, _ status: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(what): expected \(status), got \(response)", sourceLocation: sourceLocation)
    let message = response.errorMessage
    #expect(
        message.map { !$0.isEmpty } == true, "\(what): the body is not a JSON {\"error\": ...}: \(response)",
        sourceLocation: sourceLocation)
}

/// `count` bytes from a generator seeded with `seed`.
func seededBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var random = SeededGenerator(seed: seed)
    var bytes = [UInt8](repeating: 0, count: count)
    var index = 0
    while index < count {
        var word = random.next()
        for _ in 0..<8 where index < count {
            bytes[index] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            index += 1
        }
    }
    return bytes
}

/// The lease id of a `/lease/grant` answer: the body must be a bare decimal number (what
/// `ID=$(curl -s ...)` captures), or `nil`.
func leaseID(of response: HTTPResponse) -> UInt64? {
    guard response.status == 200 else { return nil }
    var text = response.text
    // $(...) strips trailing newlines, so one is harmless; nothing else is.
    while text.hasSuffix("\n") { text.removeLast() }
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
        return nil
    }
    return UInt64(text)
}

/// `value` (from JSONSerialization) written back with sorted keys, for comparing JSON answers
/// without caring about key order.
func canonicalJSON(_ value: Any) -> String? {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// The canonical JSON of `text`, or `nil` when it is not JSON.
func canonicalJSON(text: String) -> String? {
    guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
        return nil
    }
    return canonicalJSON(value)
}

/// The elements of a JSON array answer in canonical JSON, sorted, or `nil` when it is not an array.
func canonicalElements(_ response: HTTPResponse) -> [String]? {
    guard let array = response.json as? [Any] else { return nil }
    let elements = array.compactMap { canonicalJSON($0) }
    return elements.count == array.count ? elements.sorted() : nil
}

/// A name no other test or run uses, for lease names and keys.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}
