import AcuhookInbound
import Testing

@Suite struct DeliveryHeadersTests {
    @Test func namesMatchInAnyCase() {
        let headers = DeliveryHeaders([("X-Acumatica-Delivery", "d-1"), ("content-type", "application/json"), ("X-Forwarded-For", "a"), ("x-forwarded-for", "b")])
        #expect(headers["x-acumatica-delivery"] == "d-1")
        #expect(headers["X-ACUMATICA-DELIVERY"] == "d-1")
        #expect(headers["Content-Type"] == "application/json")
        #expect(headers.values("X-Forwarded-For") == ["a", "b"])
        #expect(headers["X-Acumatica-Deliver"] == nil)
        #expect(headers["X-Acumatica-Deliverz"] == nil)
        // Only letters fold: '[' (0x5B) is not '{' (0x7B).
        #expect(DeliveryHeaders([("a{", "1")])["a["] == nil)
        #expect(headers.values("missing").isEmpty)
    }
}
