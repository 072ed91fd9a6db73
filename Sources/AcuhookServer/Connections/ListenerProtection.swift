import AcuhookInbound
import HummingbirdCore
import Logging
import NIOCore

/// Everything that protects one listener on the open internet: its ``ListenerGate`` (caps,
/// counters, throttled log lines), its TLS certificate when it has one, and the pieces that
/// put them on Hummingbird's server.
///
/// - the accept guard, installed first on the listening socket once it runs (``install(on:)``);
/// - each connection's TLS step and deadline watch (``server(_:)``);
/// - the HTTP decoder's head limits and the request watch, through Hummingbird's own
///   `HTTP1Channel.Configuration` (``http1Configuration``).
public struct ListenerProtection: Sendable {
    /// The listener's caps, counters and log throttle.
    public let gate: ListenerGate
    /// Its certificate and key, when it serves HTTPS.
    public let tls: CertificateReloader?

    /// The protection of a listener with `gate` and, for HTTPS, `tls`.
    public init(gate: ListenerGate, tls: CertificateReloader?) {
        self.gate = gate
        self.tls = tls
    }

    /// Descriptors kept back from a derived `max_connections` by default: the store, the
    /// plugins and their workers, the plugins folder, and the other listener's connections.
    public static let reservedDescriptors = 128 + ConnectionLimits.admin.maxConnections!

    /// The protection of `listener` from its settings: its total cap resolved (derived from
    /// the open-file limit as it is now when `limits` leave it unset), its certificate loaded.
    /// - Throws: ``CertificateError`` when the certificate or key cannot be used.
    public static func make(
        listener: String,
        limits: ConnectionLimits,
        trustedProxies: [CIDRRange],
        certificate: String?,
        key: String?,
        reservedDescriptors: Int = reservedDescriptors,
        logger: Logger
    ) throws -> ListenerProtection {
        let maxConnections = limits.maxConnections ?? ConnectionLimits.derivedMaxConnections(
            openFileLimit: OpenFileLimit.current, inUse: OpenFileLimit.inUse, reserved: reservedDescriptors
        )
        let gate = ListenerGate(listener: listener, limits: limits, maxConnections: maxConnections, trustedProxies: trustedProxies, logger: logger)
        var tls: CertificateReloader? = nil
        if let certificate, let key {
            tls = try CertificateReloader(listener: listener, certificate: certificate, key: key, logger: logger)
        }
        return ListenerProtection(gate: gate, tls: tls)
    }

    /// Hummingbird's HTTP/1 configuration for this listener: the decoder's limits from
    /// `max_head_size` and `max_header_fields`, and the request watch as its additional
    /// handler. Its own idle timeout stays off: the connection watch keeps `idle_timeout`, so
    /// that an idle close is counted like every other.
    public var http1Configuration: HTTP1Channel.Configuration {
        let limits = gate.limits
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestWatchHandler()],
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeadSize,
                maxHeaderListSize: limits.maxHeadSize,
                maxHeaderFieldCount: limits.maxHeaderFields
            )
        )
    }

    /// A server builder whose child channels are `base`'s, with this listener's protections in
    /// front.
    public func server<Base: ServerChildChannel>(
        _ base: @escaping @Sendable (@escaping HTTPChannelHandler.Responder, HTTP1Channel.Configuration) -> Base
    ) -> HTTPServerBuilder {
        let (gate, tls, configuration) = (gate, tls, http1Configuration)
        return HTTPServerBuilder { responder in
            ProtectedChannel(base: base(responder, configuration), gate: gate, tls: tls)
        }
    }

    /// Accepts per wake-up of the listening socket (NIO's default is 4): a flood of connections
    /// refused at accept drains faster.
    static let acceptsPerRead: UInt = 64

    /// An `onServerRunning` for Hummingbird's `Application`: installs the accept guard, then
    /// runs `then`.
    public func onServerRunning(then: @escaping @Sendable (any Channel) async -> Void) -> @Sendable (any Channel) async -> Void {
        { channel in
            await install(on: channel)
            await then(channel)
        }
    }

    /// Puts the accept guard first on the running listener's socket (from `onServerRunning`).
    public func install(on serverChannel: any Channel) async {
        let gate = self.gate
        do {
            try await serverChannel.eventLoop.submit {
                try serverChannel.pipeline.syncOperations.addHandler(AcceptGuardHandler(gate: gate), position: .first)
                try serverChannel.syncOptions?.setOption(.maxMessagesPerRead, value: Self.acceptsPerRead)
            }.get()
        } catch {
            gate.logger.error("the connection caps could not be installed", metadata: ["acuhook.listener": "\(gate.listener)", "acuhook.error": "\(error)"])
        }
    }
}
