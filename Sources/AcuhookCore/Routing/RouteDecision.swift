/// Where one stored event goes: the plugins (one job each) and how their jobs are scheduled.
public struct RouteDecision: Sendable, Equatable {
    /// The plugins, in call order.
    public var plugins: [String]
    /// Those whose jobs for the event's entity run one at a time, in receipt order.
    public var ordered: Set<String>
    /// Debounce windows (ms) by plugin.
    public var debounceMilliseconds: [String: Int64]

    /// Creates a decision.
    public init(plugins: [String] = [], ordered: Set<String> = [], debounceMilliseconds: [String: Int64] = [:]) {
        self.plugins = plugins
        self.ordered = ordered
        self.debounceMilliseconds = debounceMilliseconds
    }
}
