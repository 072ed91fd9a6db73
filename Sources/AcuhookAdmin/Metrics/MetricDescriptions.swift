/// The help text of every metric Acuhook exports, by name: written as `# HELP` lines into
/// `/metrics` (the swift-metrics API carries none) and listed in docs/operations.md.
enum MetricDescriptions {
    /// Name → help text, in the order docs/operations.md lists them.
    static let all: [(name: String, help: String)] = [
        ("acuhook_deliveries_total", "Deliveries answered, by source, HTTP status code and whether it was a duplicate."),
        ("acuhook_delivery_duration_seconds", "Time from a delivery's request head to its answer, by source."),
        ("acuhook_events_stored_total", "Events stored from new deliveries, by source."),
        ("acuhook_store_commit_duration_seconds", "Time to commit one group of store writes."),
        ("acuhook_store_commit_deliveries", "Deliveries per store commit that held any."),
        ("acuhook_store_commit_failures_total", "Store commits that failed."),
        ("acuhook_jobs", "Jobs in the store, by state."),
        ("acuhook_plugin_calls_total", "Plugin calls, by plugin and outcome (not_attempted: refused by the open breaker)."),
        ("acuhook_plugin_call_duration_seconds", "Plugin call duration, by plugin."),
        ("acuhook_breaker_state", "Circuit breaker state by plugin: 0 closed, 1 half-open, 2 open."),
        ("acuhook_breaker_transitions_total", "Circuit breaker transitions, by plugin and the state entered."),
        ("acuhook_dead_letters", "Dead-lettered jobs, by plugin and reason."),
        ("acuhook_oldest_pending_job_age_seconds", "How long the plugin's longest-waiting due job has been due."),
        ("acuhook_jobs_finished_total", "Jobs that reached a final state (done, skipped, dead), by plugin, state and whether a replay (backfill) made them."),
        ("acuhook_jobs_waiting_for_rate", "Due jobs of a plugin with a rate, waiting in the store for its tokens (0 without a rate)."),
        ("acuhook_worker_restarts_total", "Worker processes started again after they ended, by plugin."),
        ("acuhook_lost_threads_total", "Pool threads lost to plugin calls past their timeout, by plugin."),
        ("acuhook_reloads_total", "Configuration reloads, by result."),
        ("acuhook_derived_events_refused_total", "Derived events not stored because their delivery's budget was spent, by the emitting plugin."),
        ("acuhook_stale_completions_total", "Job outcomes dropped because the job's lease had expired and another claim owned it."),
        ("acuhook_alerts_total", "Alert notifications, by rule and state (firing, resolved)."),
        ("acuhook_connections_open", "Connections open now, by listener (receiver, admin)."),
        ("acuhook_connections_closed_total", "Connections closed by the listener, by listener and reason: a deadline (handshake_timeout, header_timeout, body_timeout, body_too_slow, idle_timeout), a cap at accept (client_limit, connection_limit), or a refused head (head_too_large, bad_request)."),
        ("acuhook_accept_errors_total", "Accepts that failed for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), by listener; accepting pauses 1 s after each."),
        ("acuhook_tls_certificate_days_left", "Days until the served TLS certificate expires, by listener (negative once expired)."),
        ("acuhook_tls_reloads_total", "TLS certificate reloads, by listener and result (applied, refused: the previous certificate is still served)."),
        ("process_resident_memory_bytes", "Resident memory size in bytes."),
        ("process_open_fds", "Number of open file descriptors."),
        ("process_max_fds", "Maximum number of open file descriptors."),
        ("process_cpu_seconds_total", "Total user and system CPU time spent in seconds."),
        ("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds."),
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.help) })

    /// `exposition` (Prometheus text format) with a `# HELP` line before each `# TYPE` line of
    /// a metric named here.
    static func addingHelp(to exposition: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(exposition.count + 4096)
        let typePrefix = Array("# TYPE ".utf8)
        for line in exposition.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: typePrefix) {
                let name = String(decoding: line.dropFirst(typePrefix.count).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let help = byName[name] { output += Array("# HELP \(name) \(help)\n".utf8) }
            }
            output += line
            output.append(UInt8(ascii: "\n"))
        }
        // `split` kept the text after the last newline as a final empty line: drop its newline.
        if exposition.last == UInt8(ascii: "\n") || exposition.isEmpty { output.removeLast() }
        return output
    }
}
