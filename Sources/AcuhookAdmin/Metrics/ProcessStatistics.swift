import Foundation

/// The process's own figures, read from `/proc` (Linux) at scrape time, as Prometheus' client
/// libraries export them (`process_resident_memory_bytes`, `process_open_fds`, …).
struct ProcessStatistics: Sendable, Equatable {
    /// Resident set size in bytes.
    var residentBytes: Int
    /// Open file descriptors.
    var openFileDescriptors: Int
    /// The soft limit on open file descriptors.
    var maxFileDescriptors: Int
    /// CPU time used, user and system, in seconds.
    var cpuSeconds: Double
    /// When the process started, seconds since the Unix epoch.
    var startTimeSeconds: Double

    /// The current figures; nil where `/proc` is not there to read.
    static func read() -> ProcessStatistics? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let boot = try? String(contentsOfFile: "/proc/stat", encoding: .utf8)
        else { return nil }
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        // Fields after the command name (which may hold spaces), counted from field 3 (`state`).
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double { fields.count > number - 3 ? Double(fields[number - 3]) ?? 0 : 0 }
        let bootTime = boot.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) } ?? 0
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return ProcessStatistics(
            residentBytes: pages * pageSize,
            openFileDescriptors: descriptors,
            maxFileDescriptors: Int(clamping: limit.rlim_cur),
            cpuSeconds: (field(14) + field(15)) / ticks,
            startTimeSeconds: bootTime + field(22) / ticks
        )
    }
}
