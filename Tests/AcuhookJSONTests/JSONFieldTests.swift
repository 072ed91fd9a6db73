import AcuhookJSON
import Testing

/// The field reader plugins use: values by path, without parsing the rest of the text.
@Suite struct JSONFieldTests {
    /// A guide-format event (Acumatica's contract-based `{"value": …}` fields).
    let event = #"""
        {"eventType":"Customer.Updated","entityId":"CUST001","timestamp":"2024-01-15T10:30:00Z",
         "data":{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Caf\u00e9 \"Nord\""},
                 "Balance":{"value":1234.50},"Count":{"value":42},"Active":{"value":true},"Note":{"value":null},
                 "TimeStamp":638465233453014192,"Details":[{"InventoryID":{"value":"W-1"}},{"InventoryID":{"value":"W-2"}}],
                 "Plain":"bare","Nested":{"value":{"Deep":{"value":"inside"}}}},
         "metadata":{"correlationId":"12345"}}
        """#

    func find(_ path: String, in text: String? = nil) -> (kind: JSONField.Kind, string: String?, scalar: String?, int: Int64?, double: Double?, bool: Bool?, json: String)? {
        let bytes = Array((text ?? event).utf8)
        return bytes.withUnsafeBytes { buffer in
            guard let field = JSONField.find(path, in: buffer) else { return nil }
            var json: [UInt8] = []
            field.appendJSON(to: &json)
            return (field.kind, field.string, field.scalarText, field.int64, field.double, field.bool, String(decoding: json, as: UTF8.self))
        }
    }

    @Test func readsFieldsByPathAndUnwrapsAcumaticasValueObjects() throws {
        #expect(find("eventType")?.string == "Customer.Updated")
        #expect(find("data.CustomerID")?.string == "CUST001")
        #expect(find("data.CustomerID.value")?.string == "CUST001")
        #expect(find("data.CustomerName")?.string == "Café \"Nord\"")
        #expect(find("data.CustomerName")?.json == #""Caf\u00e9 \"Nord\"""#, "the JSON text as written")
        #expect(find("data.Plain")?.string == "bare")
        #expect(find("metadata.correlationId")?.string == "12345")
        #expect(find("data.Details.1.InventoryID")?.string == "W-2")
        #expect(find("data.Details.0.InventoryID")?.string == "W-1")
        #expect(find("data.Nested.Deep")?.string == "inside")
        #expect(find("data.Details")?.kind == .array)
        #expect(find("data")?.kind == .object)
    }

    @Test func numbersStayExact() throws {
        let stamp = try #require(find("data.TimeStamp"))
        #expect(stamp.int == 638_465_233_453_014_192, "beyond 2^53: read without a Double")
        #expect(stamp.scalar == "638465233453014192")
        let balance = try #require(find("data.Balance"))
        #expect(balance.kind == .number && balance.int == nil && balance.double == 1234.5)
        #expect(balance.scalar == "1234.50" && balance.json == "1234.50", "the digits as written")
        #expect(find("data.Count")?.int == 42)
        #expect(find("x", in: #"{"x":-9223372036854775808}"#)?.int == Int64.min)
        #expect(find("x", in: #"{"x":9223372036854775808}"#)?.int == nil, "past Int64: no integer")
        #expect(find("x", in: #"{"x":9223372036854775808}"#)?.scalar == "9223372036854775808")
        #expect(find("x", in: #"{"x":1e3}"#)?.int == nil)
        #expect(find("x", in: #"{"x":"12"}"#)?.int == nil, "a string is not a number")
    }

    @Test func otherKinds() throws {
        #expect(find("data.Active")?.bool == true && find("data.Active")?.scalar == "true")
        #expect(find("data.Note")?.kind == .null && find("data.Note")?.scalar == nil)
        #expect(find("data.CustomerID")?.bool == nil && find("data.Count")?.string == nil)
    }

    @Test func missingOrMalformedGivesNilNeverACrash() {
        for path in ["nothing", "data.Nothing", "data.Details.2", "data.Details.x", "data.CustomerID.value.more", "eventType.x", "data.Details.-1"] {
            #expect(find(path) == nil, "\(path)")
        }
        for text in ["", "{", #"{"a""#, #"{"a":"#, #"{"a":[1,"#, #"{"a":"unterminated"#, #"{"b":1,"a":tru}"#, #"[1,2"#, "nul", #"{"a":1"#] {
            #expect(find("a", in: text) == nil || find("a", in: text)?.kind == .number, "\(text)")
            #expect(find("a.b", in: text) == nil, "\(text)")
        }
        #expect(find("a", in: #"{"b":{"c":[1,2,{"d":"}"}]},"a":"found"}"#)?.string == "found", "skips nested values whole")
        #expect(find("a", in: #"{"a":1,"a":2}"#)?.int == 1, "the first of repeated keys")
        #expect(find("", in: #"{"":"empty key"}"#)?.kind == .object, "an empty path is the whole text")
    }

    @Test func keysWithEscapesStillMatch() {
        #expect(find("a\"b", in: #"{"a\"b":1}"#)?.int == 1)
        #expect(find("é", in: #"{"\u00e9":"accent"}"#)?.string == "accent")
        #expect(find("é", in: #"{"é":"raw"}"#)?.string == "raw")
    }

    @Test func stringsAreWrittenAsJSON() {
        #expect(JSONText.quoted("plain") == #""plain""#)
        #expect(JSONText.quoted("q\"b\\s/\n\r\t\u{1}é") == #""q\"b\\s/\n\r\t\u0001é""#)
        var out: [UInt8] = []
        JSONText.appendString("x", to: &out)
        #expect(out == Array(#""x""#.utf8))
        for text in ["", "a\u{0}b", "tab\there", "emoji 😀", "\u{1F}"] {
            let parsed = try? JSONParser.parse(Array(JSONText.quoted(text).utf8))
            #expect(parsed == .string(text), "round trip of \(text.debugDescription)")
        }
    }
}
