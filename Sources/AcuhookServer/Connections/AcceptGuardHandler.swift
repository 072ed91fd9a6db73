#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import NIOCore

/// The first handler of a listening socket's pipeline: closes a connection over a cap as soon
/// as it is accepted (before it is registered or read from), tracks the others until they
/// close, and reports accept failures (`EMFILE`…) before NIO's `AcceptBackoffHandler`, which
/// comes after it, pauses accepting for a second.
final class AcceptGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let gate: ListenerGate

    init(gate: ListenerGate) {
        self.gate = gate
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
        }
        context.fireErrorCaught(error)
    }

    /// Whether `errno` says the process or system ran short of descriptors or memory.
    static func isResourceShortage(_ errno: CInt) -> Bool {
        [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(errno)
    }
}
