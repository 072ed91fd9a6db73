/// What a reload of the plugins did: `PluginHost.reload`'s answer, and the admin API's and the
/// console's (`POST /admin/reload`).
public struct PluginReloadReport: Sendable, Equatable, Codable {
    /// Whether the new plugins now run (false: the previous ones still do).
    public var applied: Bool
    /// Plugins loaded for the first time.
    public var added: [String] = []
    /// Plugins whose file (by content hash) or settings changed: a new instance runs them.
    public var replaced: [String] = []
    /// Plugins no longer configured.
    public var removed: [String] = []
    /// Plugins kept as they were.
    public var kept: [String] = []
    /// Why it was not applied (every configured plugin that failed to load or be created).
    public var errors: [String] = []
    /// Plugins of the plugins folder that failed to load or be created: reported, left out,
    /// and no reason not to apply the rest.
    public var leftOut: [String] = []

    private enum CodingKeys: String, CodingKey {
        case applied, added, replaced, removed, kept, errors
        case leftOut = "left_out"
    }

    /// A report of `applied`, with `errors`.
    public init(applied: Bool, errors: [String] = []) {
        self.applied = applied
        self.errors = errors
    }
}
