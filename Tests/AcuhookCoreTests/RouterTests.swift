import AcuhookCore
import Testing

@Suite struct RouterTests {
    private func patterns(_ texts: String...) throws -> [EventPattern] {
        try texts.map { try EventPattern(parsing: $0) }
    }

    private func router() throws -> Router {
        Router(entries: [
            RouteEntry(plugin: "customer-sync", events: try patterns("Customer.*"), origin: .pluginDefault),
            RouteEntry(plugin: "orders", events: try patterns("SalesOrder.*"), disabledEvents: try patterns("SalesOrder.LargeOrder"), origin: .configuration),
            RouteEntry(plugin: "deletions", events: try patterns("*.Deleted", "Customer.StatusChanged"), origin: .configuration),
            RouteEntry(plugin: "audit", events: try patterns("*"), disabledEvents: try patterns("Test.*"), origin: .configuration),
        ])
    }

    @Test func routesExactPrefixSuffixAndWildcardInConfigurationOrder() throws {
        let router = try router()
        #expect(router.plugins(for: "Customer.Updated") == ["customer-sync", "audit"])
        #expect(router.plugins(for: "Customer.StatusChanged") == ["customer-sync", "deletions", "audit"])
        #expect(router.plugins(for: "StockItem.Deleted") == ["deletions", "audit"])
        #expect(router.plugins(for: "SalesOrder.Released") == ["orders", "audit"])
    }

    @Test func eventTypeNamesNeedPartsAroundADotAndNoSpaceOrStar() {
        for valid in ["Customer.Updated", "A.B", "SalesOrder.X.Y", "Kunde.Geändert"] {
            #expect(EventTypeName.isValid(valid), "\(valid)")
        }
        for invalid in ["", "Customer", ".Updated", "Customer.", "Customer.*", "Customer .Updated", "Customer.Up\tdated", "Kunde.Ge\u{00A0}ändert", "Kunde.Geändert\u{2003}x"] {
            #expect(!EventTypeName.isValid(invalid), "\(invalid)")
        }
    }

    @Test func disabledEventsWinOverEvents() throws {
        let router = try router()
        #expect(router.plugins(for: "SalesOrder.LargeOrder") == ["audit"])
        #expect(router.plugins(for: "Test.Event") == [])
    }

    @Test func unknownTypesStillRouteByPattern() throws {
        let router = try router()
        #expect(router.plugins(for: "Vendor.Approved") == ["audit"])
        #expect(router.plugins(for: "Custom.Thing.Deleted") == ["deletions", "audit"])
    }

    @Test func cachedAnswersEqualFreshOnesAndTheCacheStaysBounded() throws {
        let small = Router(entries: try router().entries, cacheLimit: 2)
        let fresh = try router()
        for type in ["Customer.Updated", "StockItem.Deleted", "Vendor.Approved", "Customer.Updated", "SalesOrder.LargeOrder"] {
            #expect(small.plugins(for: type) == fresh.plugins(for: type))
            #expect(small.plugins(for: type) == fresh.plugins(for: type))
        }
    }

    @Test func agreesWithAPlainScanOverEveryPattern() throws {
        let router = try router()
        let types = EventTypeName.knownTypes + ["A.B", "StockItem.Deleted", "X.Y.Deleted", "SalesOrder.X.Y", "Customer.Deleted"]
        for type in types {
            let scanned = router.entries.filter { entry in
                entry.events.contains { $0.matches(type) } && !entry.disabledEvents.contains { $0.matches(type) }
            }.map(\.plugin)
            #expect(router.plugins(for: type) == scanned, "\(type)")
        }
    }
}
