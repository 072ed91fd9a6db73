import AcuhookInbound
import AcuhookServer

extension DeliveryPipeline {
    /// ``deliver(_:body:headers:completion:)``, awaited: for benchmarks that drive the pipeline
    /// without HTTP.
    func deliver(_ admitted: Admitted, body: [UInt8], headers: DeliveryHeaders) async -> ReceiverOutcome {
        await withUnsafeContinuation { continuation in
            deliver(admitted, body: body, headers: headers) { continuation.resume(returning: $0) }
        }
    }
}
