import AcuhookCore
import CAcuhookPlugin

extension PluginInstance {
    /// Handles `calls`: with `asBatch`, in one plugin call when the plugin has `handle_batch`
    /// (ABI 1.1); otherwise one `handle` call after another. Returns one result per call, in order.
    ///
    /// In a batch each event has its own call context (its derived events are its own, kept only
    /// when its status is OK) and its own result; a status the plugin returns for the whole batch
    /// other than OK becomes every event's.
    ///
    /// - Important: Blocks for as long as the plugin does, like ``invoke(_:attempt:)``.
    public func invoke(_ calls: [PluginCall], asBatch: Bool) -> [PluginCallResult] {
        guard asBatch, image.handlesBatches, calls.count > 0, let handleBatch = image.descriptor.pointee.handle_batch else {
            return calls.map { invoke($0.event, attempt: $0.attempt) }
        }
        let count = calls.count
        // One buffer for every event's packed bytes, so all stay pinned during the call.
        var storage: [UInt8] = []
        storage.reserveCapacity(calls.reduce(0) { $0 + $1.event.storage.count })
        var offsets: [Int] = []
        offsets.reserveCapacity(count)
        for call in calls {
            offsets.append(storage.count)
            storage += call.event.storage
        }
        var contexts = calls.map { CallContext(parent: $0.event, maxDepth: limits.maxDerivationDepth, maxEvents: limits.maxDerivedEvents) }
        let events = UnsafeMutablePointer<acuhook_event>.allocate(capacity: count)
        let results = UnsafeMutablePointer<acuhook_result>.allocate(capacity: count)
        let eventPointers = UnsafeMutablePointer<UnsafePointer<acuhook_event>?>.allocate(capacity: count)
        let resultPointers = UnsafeMutablePointer<UnsafeMutablePointer<acuhook_result>?>.allocate(capacity: count)
        defer {
            events.deallocate()
            results.deallocate()
            eventPointers.deallocate()
            resultPointers.deallocate()
        }
        let status = contexts.withUnsafeMutableBufferPointer { contexts in
            storage.withUnsafeBufferPointer { bytes in
                for index in 0..<count {
                    (events + index).initialize(
                        to: Self.rawEvent(
                            calls[index].event, attempt: calls[index].attempt, bytes: bytes.baseAddress.map { $0 + offsets[index] },
                            call: OpaquePointer(contexts.baseAddress! + index)
                        )
                    )
                    (results + index).initialize(to: Self.emptyResult(status: ACUHOOK_STATUS_UNSET))
                    eventPointers[index] = UnsafePointer(events + index)
                    resultPointers[index] = results + index
                }
                return handleBatch(instance, eventPointers, resultPointers, count)
            }
        }
        let batchOK = status == Int32(ACUHOOK_STATUS_OK.rawValue)
        return (0..<count).map { index in
            finish(status: batchOK ? results[index].status : status, results[index], derived: contexts[index].derived)
        }
    }
}
