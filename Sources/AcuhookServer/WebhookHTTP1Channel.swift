import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel (the same handlers `HTTP1Channel` sets up, in the same
/// order, from the same `HTTP1Channel.Configuration`: decoder limits, additional handlers, idle
/// timeout) with a ``WebhookChannelHandler`` just before the request handling: deliveries are
/// answered on the event loop, everything else by Hummingbird's router.
struct WebhookHTTP1Channel: HTTPChannelHandler {
    /// What each connection is handled through.
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    /// Hummingbird's responder (the router), for every request not answered here.
    let responder: HTTPChannelHandler.Responder
    /// Hummingbird's options for the channel, honoured as `HTTP1Channel` honours them.
    let configuration: HTTP1Channel.Configuration
    /// The receive path the event-loop handler runs deliveries through.
    let pipeline: DeliveryPipeline

    /// Installs the handlers on a new connection (on its event loop).
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let handlers = channel.pipeline.syncOperations
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            try handlers.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // as Hummingbird: requests are answered in order by the handlers after
                withErrorHandling: false,  // Hummingbird (or an additional handler) answers parse errors
                withOutboundHeaderValidation: false,  // HTTPTypes validates
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try handlers.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try handlers.addHandlers(configuration.additionalChannelHandlers())
            try handlers.addHandler(HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger))
            try handlers.addHandler(WebhookChannelHandler(pipeline: pipeline))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    /// Serves the requests the event-loop handler passed on, through Hummingbird's responder.
    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
