import AcuhookAdmin
import AcuhookApplication
import AcuhookConfig
import AcuhookStore
import ArgumentParser
import Foundation
import Logging

/// `acuhook dlq …`: inspect, replay and purge the dead-letter queue.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect, replay and purge dead-lettered jobs.",
        discussion: """
            A job is dead-lettered when its plugin rejects the event (reason 'rejected': bad data) or \
            when its retries are used up (reason 'exhausted': a system failure). Replaying gives it a \
            fresh attempt budget and keeps its history. Works on the store named by --config (or the \
            default ./acuhook-data/acuhook.db), also while 'acuhook serve' runs.
            """,
        subcommands: [List.self, Show.self, Replay.self, Purge.self]
    )

    /// Options every dlq subcommand takes.
    struct StoreOptions: ParsableArguments {
        @Option(name: .shortAndLong, help: "The configuration file (its store is used).")
        var config: String?

        /// Runs `body` with the store (which must exist), closed after.
        func with<T>(_ body: (any EventStore) async throws -> T) async throws -> T {
            let settings = try config.map { try loadConfigurationFile($0).store } ?? DefaultSettings.withoutSources().store
            return try await StoreOpener.with(settings, logger: Logger(label: "acuhook"), body)
        }
    }

    /// Filters shared by list, replay and purge.
    struct FilterOptions: ParsableArguments {
        @Option(help: "Only this plugin.")
        var plugin: String?

        @Option(help: "Only this event type.")
        var eventType: String?

        @Option(help: "Only jobs dead-lettered since: an ISO 8601 time (2026-11-29T10:00:00Z) or an age (30m, 2h, 3d).")
        var since: String?

        @Option(help: "Only this reason: rejected or exhausted.")
        var reason: String?

        func query(ids: [Int64] = [], all: Bool = false) -> DeadLetterQuery {
            DeadLetterQuery(plugin: plugin, eventType: eventType, since: since, reason: reason, ids: ids, all: all)
        }

        /// The filter for replay and purge, which act only on what is named: ids, a filter, or `--all`.
        func selection(ids: [Int64], all: Bool) throws -> DeadLetterFilter {
            guard !query(ids: ids, all: all).namesNothing else { throw ValidationError("name job ids, give a filter, or pass --all") }
            return try filter(ids: ids, all: all)
        }

        func filter(ids: [Int64] = [], all: Bool = false) throws -> DeadLetterFilter {
            do {
                return try query(ids: ids, all: all).filter(nowUnixMilliseconds: nowMilliseconds())
            } catch {
                throw ValidationError("--\(error.field == "event_type" ? "event-type" : error.field) \(error.message)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead-lettered jobs, oldest first.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions

        func run() async throws {
            let filter = try filters.filter()
            let letters = try await store.with { try await $0.deadLetters(filter) }
            printTable(
                ["JOB", "DEAD AT", "REASON", "PLUGIN", "EVENT", "ENTITY", "ATTEMPTS", "LAST MESSAGE"],
                letters.map { letter in
                    [
                        "\(letter.jobID)", timestamp(letter.deadAtUnixMilliseconds), letter.reason.rawValue, letter.plugin,
                        letter.event.event.eventType, letter.event.event.entityId, "\(letter.attempts.count)",
                        letter.attempts.last?.message ?? "",
                    ]
                }
            )
            print("\(letters.count) dead-lettered job(s)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead-lettered job: its event and every attempt.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The job id (from dlq list).") var id: Int64

        func run() async throws {
            guard let letter = try await store.with({ try await $0.deadLetters(DeadLetterFilter(jobIDs: [id])) }).first else {
                throw ValidationError("no dead-lettered job \(id)")
            }
            let event = letter.event
            print("job:          \(letter.jobID)")
            print("plugin:       \(letter.plugin)")
            print("reason:       \(letter.reason.rawValue) (\(letter.reason == .rejected ? "the plugin rejected the data" : "every attempt failed"))")
            print("dead at:      \(timestamp(letter.deadAtUnixMilliseconds))")
            print("event:        #\(event.id) \(event.event.eventType) \(event.event.entityType) \(event.event.entityId) tenant '\(event.event.tenant)'")
            print("delivery:     #\(event.deliveryID) from '\(event.source)', key \(event.idempotencyKey), received \(timestamp(event.receivedAtUnixMilliseconds))")
            print("attempts:")
            for attempt in letter.attempts {
                print("  \(attempt.number). \(timestamp(attempt.startedAtUnixMilliseconds))  \(attempt.outcome)  \(attempt.durationMilliseconds) ms  \(attempt.message ?? "")")
            }
            print("event JSON:")
            print(String(decoding: event.event.json, as: UTF8.self))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead-lettered jobs back in the queue with a fresh attempt budget (history kept).",
            discussion: "Give job ids, or filters (--plugin, --event-type, --since, --reason), or --all."
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions
        @Argument(help: "Job ids.") var ids: [Int64] = []
        @Flag(help: "Replay every dead-lettered job.") var all = false

        func run() async throws {
            let filter = try filters.selection(ids: ids, all: all)
            let bar = ProgressBar(label: "replaying")
            let count = try await store.with { store in
                try await store.replay(filter, nowUnixMilliseconds: nowMilliseconds()) { done, total in bar.update(done: done, total: total) }
            }
            bar.finish()
            print("replayed \(count) job(s)")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete dead-lettered jobs and their history.",
            discussion: "Give job ids, or filters (--plugin, --event-type, --since, --reason), or --all."
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions
        @Argument(help: "Job ids.") var ids: [Int64] = []
        @Flag(help: "Purge every dead-lettered job.") var all = false

        func run() async throws {
            let filter = try filters.selection(ids: ids, all: all)
            let count = try await store.with { try await $0.purge(filter) }
            print("purged \(count) job(s)")
        }
    }
}

private func timestamp(_ ms: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}
