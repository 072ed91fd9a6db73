import AcuhookCore

/// Encodes and decodes ``WorkerMessage`` frames. Pure: no I/O.
public enum WorkerCodec {
    /// A frame that cannot be read: the stream is broken and the worker is treated as crashed.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong.
        public var reason: String
        /// The reason.
        public var description: String { "malformed worker message: \(reason)" }
    }

    enum Kind: UInt8 {
        case hello = 1, call = 2, reply = 3
    }

    enum OutcomeCode: UInt8 {
        case ok = 0, skipped, retry, rejected, invalidStatus, invalidResult, unavailable, timeout, crashed
    }

    /// The whole frame for `message`: length prefix and payload.
    public static func frame(_ message: WorkerMessage) -> [UInt8] {
        var writer = ByteWriter()
        writer.u32(0)  // patched below
        switch message {
        case .hello(let hello):
            writer.u8(Kind.hello.rawValue)
            writer.string(hello.name)
            writer.string(hello.version)
            writer.u8(hello.threadSafe ? 1 : 0)
            writer.optionalString(hello.error)
        case .call(let id, let asBatch, let calls):
            writer.u8(Kind.call.rawValue)
            writer.u64(id)
            writer.u8(asBatch ? 1 : 0)
            writer.u32(UInt32(calls.count))
            for call in calls {
                let event = call.event
                writer.u32(UInt32(bitPattern: call.attempt))
                writer.string(event.eventType)
                writer.string(event.entityType)
                writer.string(event.entityId)
                writer.string(event.deliveryId)
                writer.string(event.tenant)
                writer.u64(UInt64(bitPattern: event.receivedAtUnixMilliseconds))
                writer.u32(UInt32(bitPattern: event.derivationDepth))
                writer.bytes(event.json)
            }
        case .reply(let id, let replies):
            writer.u8(Kind.reply.rawValue)
            writer.u64(id)
            writer.u32(UInt32(replies.count))
            for reply in replies { write(reply, to: &writer) }
        }
        let length = UInt32(writer.bytes.count - 4)
        writer.bytes.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: 0, as: UInt32.self) }
        return writer.bytes
    }

    /// Most events in one call or reply: anything more is a broken stream.
    static let maxCalls = 100_000

    private static func write(_ reply: PluginCallResult, to writer: inout ByteWriter) {
        var status: Int32 = 0
        let code: OutcomeCode
        switch reply.outcome {
        case .ok: code = .ok
        case .skipped: code = .skipped
        case .retry: code = .retry
        case .rejected: code = .rejected
        case .notAttempted: code = .unavailable
        case .failed(let failure):
            switch failure {
            case .invalidStatus(let value):
                code = .invalidStatus
                status = value
            case .invalidResult: code = .invalidResult
            case .unavailable: code = .unavailable
            case .timeout: code = .timeout
            case .crashed: code = .crashed
            }
        }
        writer.u8(code.rawValue)
        writer.u32(UInt32(bitPattern: status))
        writer.optionalString(reply.message)
        writer.u8(reply.output == nil ? 0 : 1)
        if let output = reply.output { writer.bytes(output) }
        writer.u32(UInt32(reply.derived.count))
        for derived in reply.derived {
            writer.string(derived.eventType)
            writer.string(derived.entityType)
            writer.string(derived.entityId)
            writer.bytes(derived.dataJSON)
            writer.u32(UInt32(bitPattern: Int32(derived.derivationDepth)))
        }
    }

    /// The payload length announced by a 4-byte prefix.
    /// - Throws: ``DecodingError`` when it exceeds ``WorkerMessage/maxPayload``.
    public static func payloadLength(_ prefix: some Collection<UInt8>) throws(DecodingError) -> Int {
        guard prefix.count == 4 else { throw DecodingError(reason: "short length prefix") }
        var value: UInt32 = 0
        for (index, byte) in prefix.enumerated() { value |= UInt32(byte) << (8 * UInt32(index)) }
        guard Int(value) <= WorkerMessage.maxPayload else { throw DecodingError(reason: "payload of \(value) bytes") }
        return Int(value)
    }

    /// Decodes one payload (without its length prefix).
    public static func decode(_ payload: [UInt8]) throws(DecodingError) -> WorkerMessage {
        var reader = ByteReader(payload)
        guard let kind = Kind(rawValue: try reader.u8()) else { throw DecodingError(reason: "unknown kind") }
        let message: WorkerMessage
        switch kind {
        case .hello:
            message = .hello(WorkerHello(name: try reader.string(), version: try reader.string(), threadSafe: try reader.u8() != 0, error: try reader.optionalString()))
        case .call:
            let id = try reader.u64()
            let asBatch = try reader.u8() != 0
            let count = Int(try reader.u32())
            guard count <= maxCalls else { throw DecodingError(reason: "\(count) events in one call") }
            var calls: [WorkerCall] = []
            calls.reserveCapacity(count)
            for _ in 0..<count {
                let attempt = Int32(bitPattern: try reader.u32())
                var event = WorkerEvent(PluginEvent(eventType: "", json: []))
                event.eventType = try reader.string()
                event.entityType = try reader.string()
                event.entityId = try reader.string()
                event.deliveryId = try reader.string()
                event.tenant = try reader.string()
                event.receivedAtUnixMilliseconds = Int64(bitPattern: try reader.u64())
                event.derivationDepth = Int32(bitPattern: try reader.u32())
                event.json = try reader.byteString()
                calls.append(WorkerCall(attempt: attempt, event: event))
            }
            message = .call(id: id, asBatch: asBatch, calls: calls)
        case .reply:
            let id = try reader.u64()
            let count = Int(try reader.u32())
            guard count <= maxCalls else { throw DecodingError(reason: "\(count) results in one reply") }
            var replies: [PluginCallResult] = []
            replies.reserveCapacity(count)
            for _ in 0..<count { replies.append(try readReply(&reader)) }
            message = .reply(id: id, replies)
        }
        guard reader.isAtEnd else { throw DecodingError(reason: "trailing bytes") }
        return message
    }

    private static func readReply(_ reader: inout ByteReader) throws(DecodingError) -> PluginCallResult {
        guard let code = OutcomeCode(rawValue: try reader.u8()) else { throw DecodingError(reason: "unknown outcome") }
        let status = Int32(bitPattern: try reader.u32())
        let outcome: PluginCallResult.Outcome
        switch code {
        case .ok: outcome = .ok
        case .skipped: outcome = .skipped
        case .retry: outcome = .retry
        case .rejected: outcome = .rejected
        case .invalidStatus: outcome = .failed(.invalidStatus(status))
        case .invalidResult: outcome = .failed(.invalidResult)
        case .unavailable: outcome = .failed(.unavailable)
        case .timeout: outcome = .failed(.timeout)
        case .crashed: outcome = .failed(.crashed)
        }
        let text = try reader.optionalString()
        let output = try reader.u8() == 0 ? nil : try reader.byteString()
        let count = Int(try reader.u32())
        guard count <= 1024 else { throw DecodingError(reason: "\(count) derived events") }
        var derived: [DerivedEvent] = []
        for _ in 0..<count {
            derived.append(DerivedEvent(
                eventType: try reader.string(), entityType: try reader.string(), entityId: try reader.string(),
                dataJSON: try reader.byteString(), derivationDepth: Int(Int32(bitPattern: try reader.u32()))
            ))
        }
        return PluginCallResult(outcome: outcome, message: text, output: output, derived: derived)
    }
}

/// Little-endian writer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func bytes(_ value: some Collection<UInt8>) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }
    mutating func string(_ value: String) { bytes(Array(value.utf8)) }
    mutating func optionalString(_ value: String?) {
        u8(value == nil ? 0 : 1)
        if let value { string(value) }
    }
}

/// Little-endian reader that refuses to read past the end.
struct ByteReader {
    let buffer: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.buffer = bytes }

    var isAtEnd: Bool { offset == buffer.count }

    mutating func take(_ count: Int) throws(WorkerCodec.DecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, buffer.count - offset >= count else { throw WorkerCodec.DecodingError(reason: "truncated") }
        defer { offset += count }
        return buffer[offset..<offset + count]
    }
    mutating func u8() throws(WorkerCodec.DecodingError) -> UInt8 { try take(1).first! }
    mutating func u32() throws(WorkerCodec.DecodingError) -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func u64() throws(WorkerCodec.DecodingError) -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    mutating func byteString() throws(WorkerCodec.DecodingError) -> [UInt8] { Array(try take(Int(try u32()))) }
    mutating func string() throws(WorkerCodec.DecodingError) -> String {
        let raw = try byteString()
        guard let text = String(validating: raw, as: UTF8.self) else { throw WorkerCodec.DecodingError(reason: "invalid UTF-8") }
        return text
    }
    mutating func optionalString() throws(WorkerCodec.DecodingError) -> String? { try u8() == 0 ? nil : try string() }
}
