import AcuhookCore
import Foundation
import Yams

/// Reads the YAML configuration file: the one place where settings come from disk.
public enum ConfigurationLoader {
    static let topLevelKeys = ["server", "admin", "store", "sources", "dispatch", "plugin_host", "plugins", "alerts"]
    static let pluginHostKeys = [
        "max_threads", "max_output_bytes", "max_derived_events_per_call", "max_derived_events_per_delivery", "max_derivation_depth", "worker_executable", "directory",
    ]
    static let pluginKeys = ["path", "enabled", "config", "events", "disabled_events", "timeout", "max_concurrency", "breaker", "retry", "filter", "ordered", "debounce", "isolation", "workers", "receive_own_events", "batch", "rate"]
    static let breakerKeys = [
        "window", "minimum_calls", "failure_rate", "consecutive_failures", "slow_call_duration", "slow_call_rate",
        "open_duration", "max_open_duration", "half_open_probes", "disabled",
    ]

    /// Reads and checks the file at `path`. Relative plugin paths are resolved against the file's
    /// folder; `secrets` says what a `${secret:PATH}` naming no file does (``SecretFiles``).
    public static func load(file path: String, secrets: SecretFiles.Policy = .require) throws(ConfigurationError) -> AcuhookSettings {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(file: path, key: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError(file: path, key: "", message: "not UTF-8 text")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path, baseDirectory: base, secrets: secrets)
    }

    /// Parses configuration text. `file` names it in errors; relative paths resolve against
    /// `baseDirectory`; `${NAME}` reads `environment`, `${secret:PATH}` a file (``SecretFiles``).
    public static func parse(
        yaml: String,
        file: String,
        baseDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        secrets: SecretFiles.Policy = .require
    ) throws(ConfigurationError) -> AcuhookSettings {
        let secretFiles = try SecretFiles.resolve(yaml: yaml, file: file, baseDirectory: baseDirectory, policy: secrets)
        let environment = environment.merging(secretFiles.values) { _, file in file }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, _) {
            // Yams' own message points at whichever duplicate its dictionary yields first, which
            // changes from run to run; the sorted keys are the same every time.
            throw ConfigurationError(file: file, key: "", message: "duplicate keys: \(duplicates.sorted().joined(separator: ", "))")
        } catch let error as YamlError {
            throw ConfigurationError(file: file, key: "", message: "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(file: file, key: "", message: "not valid YAML: \(error)")
        }
        var configuration = AcuhookSettings()
        configuration.secretFiles = secretFiles
        configuration.store.path = resolve(configuration.store.path, baseDirectory)
        guard let root else { return configuration }
        let top = try ConfigNode(node: root, file: file, key: "").mapping(allowed: topLevelKeys)
        if let n = top["server"] { configuration.server = try server(n, baseDirectory: baseDirectory) }
        if let n = top["admin"] { configuration.admin = try admin(n, baseDirectory: baseDirectory, environment: environment) }
        if let n = top["store"] { configuration.store = try store(n, baseDirectory: baseDirectory, environment: environment) }
        if let n = top["sources"], !n.isNull { configuration.sources = try sources(n, environment: environment) }
        if let n = top["dispatch"] {
            let keys = try n.mapping(allowed: ["retry", "lease", "idle_poll"])
            if let r = keys["retry"] { configuration.dispatch.retry = try retry(r) }
            if let l = keys["lease"] { configuration.dispatch.lease = try l.duration() }
            if let p = keys["idle_poll"] { configuration.dispatch.idlePoll = try p.duration() }
        }
        if configuration.server.testEndpointEnabled, !configuration.sources.contains(where: { $0.name == configuration.server.testEndpointSource }) {
            throw ConfigurationError(
                file: file,
                key: "server.test_endpoint.source",
                message: "the test endpoint authenticates like source '\(configuration.server.testEndpointSource)', which is not configured"
            )
        }
        if let n = top["alerts"] { configuration.alerts = try alerts(n, sources: configuration.sources.map(\.name), environment: environment) }
        if let host = top["plugin_host"] {
            let keys = try host.mapping(allowed: pluginHostKeys)
            if let n = keys["max_threads"] { configuration.pluginHost.maxThreads = try n.int(in: 1...1024) }
            if let n = keys["max_output_bytes"] { configuration.pluginHost.maxOutputBytes = try n.int(in: 0...(1 << 30)) }
            if let n = keys["max_derived_events_per_call"] { configuration.pluginHost.maxDerivedEventsPerCall = try n.int(in: 0...1000) }
            if let n = keys["max_derived_events_per_delivery"] { configuration.dispatch.maxDerivedEventsPerDelivery = try n.int(in: 0...1_000_000) }
            if let n = keys["max_derivation_depth"] { configuration.pluginHost.maxDerivationDepth = try n.int(in: 0...32) }
            if let n = keys["worker_executable"] { configuration.pluginHost.workerExecutable = resolve(try n.nonEmptyString(), baseDirectory) }
            if let n = keys["directory"] { configuration.pluginHost.directory = resolve(try n.nonEmptyString(), baseDirectory) }
        }
        if let plugins = top["plugins"], !plugins.isNull {
            for item in try plugins.sequence() {
                configuration.pluginHost.plugins.append(try plugin(item, baseDirectory: baseDirectory, environment: environment))
            }
        }
        return configuration
    }

    private static func plugin(_ node: ConfigNode, baseDirectory: String, environment: [String: String]) throws(ConfigurationError) -> PluginSettings {
        let keys = try node.mapping(allowed: pluginKeys)
        guard let pathNode = keys["path"] else { throw node.error("missing key 'path' (the plugin's .so file)") }
        var settings = PluginSettings(path: resolve(try pathNode.nonEmptyString(), baseDirectory))
        try apply(keys, to: &settings, environment: environment)
        return settings
    }

    /// Reads a `plugins[]` entry's keys other than `path` into `settings` (also a drop-in
    /// plugin's sidecar file); `${NAME}` in `config` strings comes from `environment`.
    static func apply(_ keys: [String: ConfigNode], to settings: inout PluginSettings, environment: [String: String]) throws(ConfigurationError) {
        if let n = keys["enabled"] { settings.enabled = try n.bool() }
        if let n = keys["config"], !n.isNull { settings.configJSON = try n.json(environment: environment) }
        if let n = keys["events"] { settings.events = try patterns(n) }
        if let n = keys["disabled_events"] { settings.disabledEvents = try patterns(n) }
        if let n = keys["timeout"] { settings.timeout = try n.duration() }
        if let n = keys["max_concurrency"] { settings.maxConcurrency = try n.int(in: 1...1024) }
        if let n = keys["breaker"] { settings.breaker = try breaker(n) }
        if let n = keys["retry"] { settings.retry = try retry(n) }
        if let n = keys["filter"] { settings.filter = try filter(n) }
        if let n = keys["ordered"] { settings.ordered = try n.bool() }
        if let n = keys["debounce"] { settings.debounce = try n.duration() }
        if let n = keys["isolation"] {
            let text = try n.string()
            guard let isolation = PluginIsolation(rawValue: text) else {
                throw n.error("expected in-process or process, found \(n.found)")
            }
            settings.isolation = isolation
        }
        if let n = keys["workers"] { settings.workers = try n.int(in: 1...64) }
        if let n = keys["receive_own_events"] { settings.receiveOwnEvents = try n.bool() }
        if let n = keys["batch"] { settings.batch = try batch(n) }
        if let n = keys["rate"] { settings.rate = try rate(n) }
    }

    /// `rate: 10/s` (also `/m`, `/h`), or `rate: {limit: 10/s, burst: 20}`.
    static func rate(_ node: ConfigNode) throws(ConfigurationError) -> RateSettings {
        func parse(_ node: ConfigNode) throws(ConfigurationError) -> RateSettings {
            guard let rate = RateSettings(parsing: try node.string()) else {
                throw node.error("expected a rate such as 10/s, 600/m or 5000/h, found \(node.found)")
            }
            return rate
        }
        if case .scalar = node.node { return try parse(node) }
        let keys = try node.mapping(allowed: ["limit", "burst"])
        guard let limit = keys["limit"] else { throw node.error("missing key 'limit' (e.g. limit: 10/s)") }
        var rate = try parse(limit)
        if let n = keys["burst"] { rate.burst = try n.int(in: 1...1_000_000) }
        return rate
    }

    /// `batch: {max_events: 100, max_wait: 50ms}`, `batch: true` (those defaults) or `batch: false`.
    static func batch(_ node: ConfigNode) throws(ConfigurationError) -> BatchSettings? {
        if case .scalar = node.node { return try node.bool() ? BatchSettings() : nil }
        let keys = try node.mapping(allowed: ["max_events", "max_wait"])
        var batch = BatchSettings()
        if let n = keys["max_events"] { batch.maxEvents = try n.int(in: 1...10_000) }
        if let n = keys["max_wait"] { batch.maxWait = try n.duration(allowingZero: true) }
        return batch
    }

    private static func patterns(_ node: ConfigNode) throws(ConfigurationError) -> [EventPattern] {
        var parsed: [EventPattern] = []
        for written in try node.patterns() {
            do {
                parsed.append(try EventPattern(parsing: written.text))
            } catch {
                throw written.node.error("expected an event type or pattern (Customer.Updated, SalesOrder.*, *.Deleted, *): \(error)")
            }
        }
        return parsed
    }

    /// `"data.OrderTotal >= 1000"`, a list (all must hold), or `{all: […]}`, `{any: […]}`, `{not: …}`.
    static func filter(_ node: ConfigNode) throws(ConfigurationError) -> EventFilter {
        switch node.node {
        case .scalar:
            let text = try node.string()
            do {
                return try EventFilter(parsing: text)
            } catch {
                throw node.error("\(error.reason); e.g. data.OrderTotal >= 1000, data.Status == \"Active\", exists data.Email")
            }
        case .sequence:
            var filters: [EventFilter] = []
            for item in try node.sequence() { filters.append(try filter(item)) }
            return .all(filters)
        default:
            let keys = try node.mapping(allowed: ["all", "any", "not"])
            guard keys.count == 1, let (name, inner) = keys.first else { throw node.error("expected exactly one of all, any, not") }
            switch name {
            case "not": return .not(try filter(inner))
            default:
                var filters: [EventFilter] = []
                for item in try inner.sequence() { filters.append(try filter(item)) }
                return name == "all" ? .all(filters) : .any(filters)
            }
        }
    }

    static func retry(_ node: ConfigNode) throws(ConfigurationError) -> RetryPolicy {
        let keys = try node.mapping(allowed: ["base_delay", "factor", "max_delay", "max_attempts", "jitter"])
        var policy = RetryPolicy()
        if let n = keys["base_delay"] { policy.baseDelay = try n.duration() }
        if let n = keys["factor"] { policy.factor = try n.double(in: 1...100) }
        if let n = keys["max_delay"] { policy.maxDelay = try n.duration() }
        if let n = keys["max_attempts"] { policy.maxAttempts = try n.int(in: 1...1000) }
        if let n = keys["jitter"] {
            guard let jitter = RetryPolicy.Jitter(rawValue: try n.string()) else { throw n.error("expected full, decorrelated or none, found \(n.found)") }
            policy.jitter = jitter
        }
        if policy.maxDelay < policy.baseDelay { throw (keys["max_delay"] ?? node).error("expected a duration ≥ base_delay") }
        return policy
    }

    private static func breaker(_ node: ConfigNode) throws(ConfigurationError) -> CircuitBreakerSettings {
        let keys = try node.mapping(allowed: breakerKeys)
        var breaker = CircuitBreakerSettings()
        if let n = keys["window"] { breaker.windowSize = try n.int(in: 1...10_000) }
        if let n = keys["minimum_calls"] { breaker.minimumCalls = try n.int(in: 1...10_000) }
        if let n = keys["failure_rate"] { breaker.failureRateThreshold = try n.double(in: 0...1) }
        if let n = keys["consecutive_failures"] { breaker.consecutiveFailureThreshold = try n.int(in: 0...10_000) }
        if let n = keys["slow_call_duration"], !n.isNull { breaker.slowCallDuration = try n.duration() }
        if let n = keys["slow_call_rate"] { breaker.slowCallRateThreshold = try n.double(in: 0...1) }
        if let n = keys["open_duration"] { breaker.openDuration = try n.duration() }
        if let n = keys["max_open_duration"] { breaker.maxOpenDuration = try n.duration() }
        if let n = keys["half_open_probes"] { breaker.halfOpenProbes = try n.int(in: 1...1000) }
        if let n = keys["disabled"] { breaker.disabled = try n.bool() }
        if let problem = breaker.problems().first {
            throw (keys[problem.key] ?? node).error("expected \(problem.expected)")
        }
        return breaker
    }
}
