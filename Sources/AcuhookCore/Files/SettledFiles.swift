/// Which of a folder's files have stopped changing: a file counts once two looks in a row saw
/// the same size and modification time, so one still being copied is never loaded half-written.
/// Pure: the caller looks at the files on its own schedule (the plugins folder, the TLS
/// certificate and key).
public struct SettledFiles: Sendable {
    private var previous: [String: FileStamp] = [:]
    private var settled: [String: FileStamp] = [:]

    /// Nothing seen yet.
    public init() {}

    /// Takes one look's stamps; returns the settled files and their stamps. A file that changes
    /// keeps its previous settled stamp until it settles again; a file that is gone is gone.
    public mutating func observe(_ stamps: [String: FileStamp]) -> [String: FileStamp] {
        var next: [String: FileStamp] = [:]
        for (name, stamp) in stamps {
            if previous[name] == stamp {
                next[name] = stamp
            } else if let earlier = settled[name] {
                next[name] = earlier
            }
        }
        previous = stamps
        settled = next
        return next
    }
}
