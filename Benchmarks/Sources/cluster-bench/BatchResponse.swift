/// One response of a batch of setup requests.
struct BatchResponse: Sendable {
    /// The request's index in its `RequestSet`.
    var index: Int
    /// The HTTP status code.
    var status: Int
    /// The body's bytes.
    var body: [UInt8]

    /// The body as text (invalid UTF-8 repaired), for messages and small JSON bodies.
    var text: String { String(decoding: body, as: UTF8.self) }
}
