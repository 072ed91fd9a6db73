import AcuhookCore

/// A wall clock that always reads the same time, for parts that stamp or compare wall times.
public struct FixedWallClock: WallClock {
    /// The time it reads, in milliseconds since the Unix epoch.
    public let nowUnixMilliseconds: Int64

    /// A clock stopped at `nowUnixMilliseconds`.
    public init(_ nowUnixMilliseconds: Int64) {
        self.nowUnixMilliseconds = nowUnixMilliseconds
    }
}
