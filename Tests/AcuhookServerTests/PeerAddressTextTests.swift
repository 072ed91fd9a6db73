import AcuhookServer
import NIOCore
import Testing

/// The peer address text the receiver stores and logs.
@Suite struct PeerAddressTextTests {
    @Test func ipv4IsFormattedFromItsBytesAndOthersAsNIOWritesThem() throws {
        for text in ["127.0.0.1", "192.0.2.10", "0.0.0.0", "255.255.255.255", "10.1.20.200"] {
            #expect(Receiver.addressText(try SocketAddress(ipAddress: text, port: 443)) == text)
        }
        let v6 = try SocketAddress(ipAddress: "2001:db8::1", port: 443)
        #expect(Receiver.addressText(v6) == v6.ipAddress)
    }
}
