import Hummingbird
import NIOCore

/// The request context of Acuhook's routes: Hummingbird's core storage plus the TCP peer.
public struct AcuhookRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (before any trusted-proxy resolution).
    public let remoteAddress: SocketAddress?

    /// Creates the context for one request on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
