import AcuhookCore
import AcuhookInbound
import Foundation
import Testing
import AcuhookJSON

@Suite struct JSONParserTests {
    @Test(arguments: [
        #"{}"#, #"[]"#, #"0"#, #"-0"#, #"1.5e-3"#, #"true"#, #"null"#, #""text""#,
        #" { "a" : [1, 2.25, -3e2, true, false, null, {"b": "c"}] } "#,
        #"{"esc":"quote \" backslash \\ slash \/ \b\f\n\r\t"}"#,
        #"{"unicode":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀"}"#,
        #"{"big":638465233453014192,"neg":-9223372036854775808}"#,
        #"{"dup":1,"dup":2}"#,
    ])
    func acceptsWhatFoundationAccepts(_ text: String) throws {
        let bytes = Array(text.utf8)
        let ours = try JSONParser.parse(bytes)
        let theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        // Compare through a canonical re-encoding with Foundation.
        let canonicalTheirs = try JSONSerialization.data(withJSONObject: theirs, options: [.sortedKeys, .fragmentsAllowed])
        let canonicalOurs = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(ours.encoded()), options: [.fragmentsAllowed]),
            options: [.sortedKeys, .fragmentsAllowed]
        )
        #expect(canonicalOurs == canonicalTheirs, "\(text)")
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "'x'", "01", "1.", ".5", "1e", "-", "+1",
        "tru", "nul", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
        "{\"a\":1} trailing", "[1] [2]", "\"tab\tinside\"", "NaN", "Infinity", "1e999",
    ])
    func rejectsWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self, "\(text)") { try JSONParser.parse(Array(text.utf8)) }
        #expect(throws: JSONParser.Failure.self, "\(text)") { try JSONParser.parseObject(Array(text.utf8), keeping: ["a"]) }
    }

    /// Found by FuzzJSON: Foundation drops a U+FEFF that opens a string or follows an escape;
    /// JSON has no such rule, and JSONParser keeps every character.
    @Test func aByteOrderMarkInsideAStringIsKept() throws {
        let text = "\"\\u000e\u{FEFF}ve\u{FEFF}\\u000e\""
        #expect(try JSONParser.parse(Array(text.utf8)) == .string("\u{0E}\u{FEFF}ve\u{FEFF}\u{0E}"))
        #expect(try JSONParser.parse(Array("\"\u{FEFF}a\"".utf8)) == .string("\u{FEFF}a"))
    }

    @Test func integersBeyond64BitsBecomeDoubles() throws {
        #expect(try JSONParser.parse(Array("123456789012345678901234567890".utf8)) == .double(123456789012345678901234567890.0))
    }

    @Test func keepsIntegersExact() throws {
        let value = try JSONParser.parse(Array(#"{"TimeStamp":638465233453014192}"#.utf8))
        #expect(value["TimeStamp"] == .integer(638_465_233_453_014_192))
        #expect(String(decoding: value.encoded(), as: UTF8.self) == #"{"TimeStamp":638465233453014192}"#)
    }

    @Test func parseObjectValidatesEverythingButBuildsOnlyTheKeptKeys() throws {
        let text = #"{"eventType":"Customer.Updated","data":{"deep":[1,{"x":"\u00e9"}]},"metadata":{"correlationId":"c"}}"#
        let object = try #require(try JSONParser.parseObject(Array(text.utf8), keeping: ["eventType", "metadata"]))
        #expect(object.keys.sorted() == ["eventType", "metadata"])
        #expect(object["metadata"]?["correlationId"] == .string("c"))
        #expect(try JSONParser.parseObject(Array("[1,2]".utf8), keeping: []) == nil)
        // An error inside a skipped value is still an error.
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parseObject(Array(#"{"data":{"x":[1,2}}"#.utf8), keeping: []) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parseObject(Array(#"{"data":"bad \q"}"#.utf8), keeping: []) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deep.utf8)) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parseObject(Array(("{\"a\":" + deep + "}").utf8), keeping: []) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONParser.parse(Array(fine.utf8)) }
    }

    @Test func randomMutationsAgreeWithFoundationOnValidity() {
        var generator = SystemRandomNumberGenerator()
        let seed = Array(#"{"a":[1,-2.5e3,true,null,"x\"y"],"b":{"c":"\u00e9"},"d":""}"#.utf8)
        let alphabet = Array(#"{}[]:,"\ 0123456789.eE+-truefalsnu"#.utf8)
        var disagreements: [String] = []
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
                if bytes.isEmpty { bytes = seed }
            }
            let ours = (try? JSONParser.parse(bytes)) != nil
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            let text = String(decoding: bytes, as: UTF8.self)
            // Foundation tolerates trailing commas; RFC 8259 (and this parser) does not.
            let trailingComma = text.contains(",]") || text.contains(",}")
            if ours != theirs, !(trailingComma && theirs && !ours) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }
}
