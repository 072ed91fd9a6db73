import AcuhookCore
import Testing

@Suite struct EventPatternTests {
    @Test func parsesTheFourForms() throws {
        #expect(try EventPattern(parsing: "Customer.Updated") == .exact("Customer.Updated"))
        #expect(try EventPattern(parsing: "SalesOrder.*") == .prefix("SalesOrder."))
        #expect(try EventPattern(parsing: "*.Deleted") == .suffix(".Deleted"))
        #expect(try EventPattern(parsing: "*") == .any)
    }

    @Test(arguments: ["", "Sales Order.*", "*Order.Updated", "Sales*.Updated", "*.*", "NoDot", "Customer.", ".Updated", "**"])
    func refusesMalformedPatterns(_ text: String) {
        #expect(throws: EventPatternError.self) { try EventPattern(parsing: text) }
    }

    @Test func matchesByItsForm() throws {
        let prefix = try EventPattern(parsing: "SalesOrder.*")
        #expect(prefix.matches("SalesOrder.Updated"))
        #expect(prefix.matches("SalesOrder.LargeOrder"))
        #expect(!prefix.matches("SalesOrderLine.Updated"))
        #expect(!prefix.matches("SalesOrder."))
        let suffix = try EventPattern(parsing: "*.Deleted")
        #expect(suffix.matches("StockItem.Deleted"))
        #expect(!suffix.matches("StockItem.DeletedAll"))
        #expect(try EventPattern(parsing: "*").matches("Anything.AtAll"))
        #expect(!(try EventPattern(parsing: "Customer.Updated")).matches("Customer.updated"))
    }

    @Test func roundTripsItsDescription() throws {
        for text in ["Customer.Updated", "SalesOrder.*", "*.Deleted", "*"] {
            #expect(try EventPattern(parsing: text).description == text)
        }
    }
}
