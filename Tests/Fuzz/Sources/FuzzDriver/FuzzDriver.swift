import Foundation

/// libFuzzer's entry for a program with its own `main` (SwiftPM gives every executable one):
/// parses libFuzzer's command line and calls `body` once per input.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One fuzz input's handler: the bytes libFuzzer made. Returns 0; a broken property stops the
/// process with `fatalError`, which libFuzzer reports as a crash and saves the input of.
public typealias FuzzBody = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// The body `runFuzzer` was given, for ``fuzzTestOneInput``.
nonisolated(unsafe) private var registered: FuzzBody?

/// `LLVMFuzzerTestOneInput`, which libFuzzer's archive refers to in unoptimised builds even when
/// the driver is given the body directly: it calls the registered body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    registered?(data, size) ?? 0
}

/// Runs libFuzzer with this process's arguments (`-max_total_time=30 corpus/`, …) and exits
/// with its status.
public func runFuzzer(_ body: FuzzBody) -> Never {
    registered = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}

/// The input as bytes (libFuzzer passes a null pointer for the empty input).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the process on a broken property, with the input shown.
public func fuzzFailure(_ bytes: [UInt8], _ message: String) -> Never {
    fatalError("\(message)\ninput: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
}
