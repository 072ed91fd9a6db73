import AcuhookCore
import Testing
import AcuhookJSON

@Suite struct EventFilterTests {
    let order = JSONValue.parse(Array(
        #"{"eventType":"SalesOrder.Inserted","entityId":"SO1","data":{"OrderTotal":{"value":1500.5},"Status":{"value":"Open"},"Customer":{"value":"CUST001"},"Note":null,"Qty":"12"}}"#.utf8
    ))!

    private func filter(_ text: String) throws -> EventFilter { try EventFilter(parsing: text) }

    @Test func theSeedExamples() throws {
        let activeCustomer = JSONValue.parse(Array(#"{"data":{"Status":{"value":"Active"}}}"#.utf8))!
        let inactiveCustomer = JSONValue.parse(Array(#"{"data":{"Status":{"value":"Inactive"}}}"#.utf8))!
        #expect(try filter(#"data.Status == "Active""#).matches(activeCustomer))
        #expect(try !filter(#"data.Status == "Active""#).matches(inactiveCustomer))
        #expect(try filter("data.OrderTotal >= 1000").matches(order))
        #expect(try !filter("data.OrderTotal >= 2000").matches(order))
    }

    @Test func everyOperator() throws {
        #expect(try filter("data.OrderTotal > 1500").matches(order))
        #expect(try filter("data.OrderTotal < 1501").matches(order))
        #expect(try filter("data.OrderTotal <= 1500.5").matches(order))
        #expect(try filter("data.OrderTotal != 1").matches(order))
        #expect(try filter("data.Qty == 12").matches(order))  // numeric string against a number
        #expect(try filter(#"eventType in ["SalesOrder.Inserted", "SalesOrder.Updated"]"#).matches(order))
        #expect(try !filter(#"eventType in ["Customer.Updated"]"#).matches(order))
        #expect(try filter("exists data.Customer").matches(order))
        #expect(try !filter("exists data.Note").matches(order))
        #expect(try !filter("exists data.Missing").matches(order))
        #expect(try filter(#"data.Customer matches "^CUST0+1$""#).matches(order))
        #expect(try filter("data.Missing != 5").matches(order))
    }

    @Test func combinations() throws {
        let both = EventFilter.all([try filter("data.OrderTotal >= 1000"), try filter(#"data.Status == "Open""#)])
        #expect(both.matches(order))
        #expect(!EventFilter.all([try filter("data.OrderTotal >= 1000"), try filter(#"data.Status == "Closed""#)]).matches(order))
        #expect(EventFilter.any([try filter("data.OrderTotal >= 9000"), try filter(#"data.Status == "Open""#)]).matches(order))
        #expect(!EventFilter.not(both).matches(order))
        #expect(both.description == #"all(data.OrderTotal >= 1000, data.Status == "Open")"#)
    }

    @Test(arguments: ["", "data.OrderTotal", "data.OrderTotal ~ 5", "data.OrderTotal >= abc", "exists", "x in notalist", #"x matches "[""#,
        // Found by FuzzEventFilter: an empty path was accepted and written back as nothing.
        "exists .", ". == 1", "data..Status == 1", "data. == 1", ".data == 1"])
    func malformedExpressionsAreRefused(_ text: String) {
        #expect(throws: EventFilter.ParseError.self) { try EventFilter(parsing: text) }
    }
}
