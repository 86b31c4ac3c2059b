import Testing

@testable import Server

@Suite struct HTTPTextTests {
    @Test func percentDecoding() {
        #expect(PercentDecoding.decode(bytes("a%2Fb%20c+d"), plusIsSpace: false) == bytes("a/b c+d"))
        #expect(PercentDecoding.decode(bytes("a+b"), plusIsSpace: true) == bytes("a b"))
        #expect(PercentDecoding.decode(bytes("%zz"), plusIsSpace: false) == nil)
        #expect(PercentDecoding.decode(bytes("%4"), plusIsSpace: false) == nil)
        #expect(PercentDecoding.decode(bytes("%00%FF"), plusIsSpace: false) == [0, 255])
    }

    @Test func formFieldsAsCurlSendsThem() throws {
        // curl -d 'key=nodeinfo' -d 'data={"http_addr":"127.0.0.1:9001"}' joins with '&' and sends raw.
        let fields = try #require(FormFields(bytes("key=nodeinfo&data={\"http_addr\":\"127.0.0.1:9001\",\"w\":1}")))
        #expect(fields.string("key") == "nodeinfo")
        #expect(fields.string("data") == "{\"http_addr\":\"127.0.0.1:9001\",\"w\":1}")
        #expect(fields["missing"] == nil)
        let encoded = try #require(FormFields(bytes("prefix=%2Fesq%2Fnode&empty=&flag&prefix=second")))
        #expect(encoded.string("prefix") == "/esq/node")
        #expect(encoded.string("empty") == "")
        #expect(encoded.string("flag") == "")
        #expect(FormFields(bytes("a=%G0")) == nil)
    }

    @Test func jsonValidation() {
        for valid in [
            "{}", "[]", "null", "true", "0", "-1.5e+10", "\"a\\u00e9\\n\"", " {\"a\":[1,2,{\"b\":null}]} ",
            "{\"http_addr\":\"127.0.0.1:9001\",\"tcp_addr\":\"127.0.0.1:9002\",\"node_id\":1,\"weight\":1}",
        ] {
            #expect(JSONText.isValid(bytes(valid)), "\(valid)")
        }
        for invalid in [
            "", "{", "{\"a\"}", "[1,]", "01", "1.", "tru", "\"a", "{\"a\":1}x", "hello", "{a:1}", "\"\u{01}\"",
            String(repeating: "[", count: 10_000),
        ] {
            #expect(!JSONText.isValid(bytes(invalid)), "\(invalid)")
        }
    }

    @Test func jsonStringEscaping() {
        var out: [UInt8] = []
        JSONText.appendString(&out, "a\"b\\c\nd\u{01}é")
        #expect(String(decoding: out, as: UTF8.self) == "\"a\\\"b\\\\c\\nd\\u0001é\"")
        #expect(JSONText.isValid(out))
    }
}
