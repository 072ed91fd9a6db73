import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A listener's child channel with its protections in front of `base`: TLS with the context
/// current at accept (when the listener has a certificate), then the connection's
/// ``ConnectionWatch``. The rest is `base`'s own (Hummingbird's `HTTP1Channel`, or Acuhook's
/// webhook channel), given ``ListenerProtection/http1Configuration``.
///
/// The TLS step is HummingbirdTLS's `TLSChannel` with the context read per connection instead
/// of fixed at start, so a reloaded certificate takes effect without a restart.
struct ProtectedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let gate: ListenerGate
    let tls: CertificateReloader?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let handlers = channel.pipeline.syncOperations
            if let tls {
                try handlers.addHandler(NIOSSLServerHandler(context: tls.context, customVerificationCallback: nil, configuration: .init()))
            }
            try handlers.addHandler(ConnectionWatch(gate: gate, tls: tls != nil))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
