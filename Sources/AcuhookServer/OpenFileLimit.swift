#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The process's open-file limit (`RLIMIT_NOFILE`): every connection takes a descriptor.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard one, as Go's runtime and nginx do (systemd starts
    /// services with a soft limit of 1,024). Returns the soft limit before and after.
    @discardableResult
    public static func raise() -> (before: Int, after: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        let before = Int(clamping: limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) != 0 {
            // An unlimited hard limit is refused past the kernel's nr_open: take that instead.
            raised.rlim_cur = rlim_t(systemMaximum() ?? before)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 else { return (before, before) }
        }
        return (before, Int(clamping: raised.rlim_cur))
    }

    /// The soft limit now.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// Descriptors open now (the entries of `/proc/self/fd`; 0 where there is none).
    public static var inUse: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    /// The kernel's most descriptors per process (`/proc/sys/fs/nr_open`).
    private static func systemMaximum() -> Int? {
        (try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
