/// Patterns indexed by their fixed part, so matching an event type costs a few dictionary
/// look-ups (one per dot in the type) instead of a scan over every pattern.
struct PatternIndex: Sendable {
    private var exact: [String: [Int]] = [:]
    private var prefixes: [Substring: [Int]] = [:]
    private var suffixes: [Substring: [Int]] = [:]
    private var everything: [Int] = []

    /// Records that `pattern` belongs to entry `owner`.
    mutating func insert(_ pattern: EventPattern, owner: Int) {
        switch pattern {
        case .exact(let type): exact[type, default: []].append(owner)
        case .prefix(let prefix): prefixes[prefix[...], default: []].append(owner)
        case .suffix(let suffix): suffixes[suffix[...], default: []].append(owner)
        case .any: everything.append(owner)
        }
    }

    /// Marks in `into` every owner with a pattern matching `eventType`.
    func mark(_ eventType: String, into owners: inout [Bool]) {
        for owner in everything { owners[owner] = true }
        for owner in exact[eventType] ?? [] { owners[owner] = true }
        guard !prefixes.isEmpty || !suffixes.isEmpty else { return }
        var index = eventType.startIndex
        while let dot = eventType[index...].firstIndex(of: ".") {
            // `A.*` matches when the type starts with `A.` and has something after it.
            let after = eventType.index(after: dot)
            if after < eventType.endIndex {
                for owner in prefixes[eventType[...dot]] ?? [] { owners[owner] = true }
            }
            // `*.B` matches when the type ends with `.B` and has something before it.
            if dot > eventType.startIndex {
                for owner in suffixes[eventType[dot...]] ?? [] { owners[owner] = true }
            }
            index = after
        }
    }
}
