#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where wall-clock time is read: receipt times, due times, leases, key expiry. Injected into
/// every part that stamps or compares such times, so tests can set it.
///
/// Durations (timeouts, breaker windows) use a `Clock` instead: wall time can jump.
public protocol WallClock: Sendable {
    /// Now, in milliseconds since the Unix epoch.
    var nowUnixMilliseconds: Int64 { get }
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    /// The system clock.
    public init() {}

    /// `CLOCK_REALTIME`, in milliseconds since the Unix epoch.
    public var nowUnixMilliseconds: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
