#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import NIOCore

/// The first handler of a listening socket's pipeline: closes a connection over a cap as soon
/// as it is accepted (before it is registered or read from), tracks the others until they
/// close, and backs off when accepting fails for want of descriptors (`EMFILE`…).
///
/// The back-off stops reading the socket (`autoRead` off) for ``pause`` and then reads again.
/// NIO's own `AcceptBackoffHandler`, further down the pipeline, only delays the next read: the
/// failed one stays pending, so the socket stays registered for reading and epoll wakes the
/// loop at once, again and again (412,023 failed accepts in 15 s, one core busy).
final class AcceptGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    /// How long accepting pauses after a failure for want of descriptors or memory.
    static let pause = TimeAmount.seconds(1)

    private let gate: ListenerGate
    private var resume: Scheduled<Void>?

    init(gate: ListenerGate) {
        self.gate = gate
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let accepted = unwrapInboundIn(data)
        gate.acceptSucceeded()
        let (admitted, client) = gate.admit(accepted.remoteAddress)
        guard admitted else {
            accepted.close(promise: nil)
            return
        }
        let gate = self.gate
        accepted.closeFuture.whenComplete { _ in gate.release(client) }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, Self.isResourceShortage(error.errnoCode) {
            gate.acceptFailed(error)
            pauseAccepting(context: context)
        }
        context.fireErrorCaught(error)
    }

    /// Stops reading the listening socket for ``pause``; connections wait in the backlog.
    private func pauseAccepting(context: ChannelHandlerContext) {
        guard resume == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        resume = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: Self.pause) {
            self.resume = nil
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    /// Whether `errno` says the process or system ran short of descriptors or memory.
    static func isResourceShortage(_ errno: CInt) -> Bool {
        [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(errno)
    }
}
