import AcuhookAdmin
import AcuhookApplication
import AcuhookCore
import AcuhookStore
import ArgumentParser
import Foundation

/// `acuhook replay --plugin P [--event PATTERN] [--source S] --since T [--until T] [--dry-run]`.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send stored events to a plugin again (a backfill after a fix): new jobs, within retention.",
        discussion: """
            The events are those received in the window, of the types the plugin receives now (and \
            match --event). Each gets a new job for the plugin, due at once, starting again at \
            attempt 1 and marked as this replay; it goes through the plugin's filter, ordering, \
            rate and breaker like any job. Run it again with the same options to resume an \
            interrupted one: no event gets two jobs from one replay. --dry-run prints the count \
            and the first events and changes nothing.
            """
    )

    @OptionGroup var options: CommonOptions

    @Option(help: "The plugin that gets the events again.")
    var plugin: String

    @Option(help: "Only events of this type or pattern (Customer.Updated, Customer.*, *.Deleted).")
    var event: String?

    @Option(help: "Only deliveries received at this source.")
    var source: String?

    @Option(help: "Received at or after: an ISO 8601 time (2026-12-01T00:00:00Z) or an age (30m, 2h, 3d).")
    var since: String

    @Option(help: "Received before: an ISO 8601 time or an age (default: now).")
    var until: String?

    @Flag(help: "Print how many events would be replayed, and the first ones; change nothing.")
    var dryRun = false

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let logger = options.logger()
        let (inspected, entries) = await RoutesCommand.routes(configuration, logger: logger)
        guard let settings = inspected.first(where: { (try? $0.loaded.get().image.name) == plugin })?.settings else {
            let known = inspected.compactMap { try? $0.loaded.get().image.name }
            throw ValidationError("no plugin named '\(plugin)' in the configuration (it has: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        let router = Router(entries: entries)
        let request = ReplayRequest(plugin: plugin, event: event, source: source, since: since, until: until)
        try await StoreOpener.with(configuration.store, logger: logger) { store in
            let selection: ReplaySelection
            do {
                selection = try await request.selection(
                    store: store, receives: { router.plugins(for: $0).contains(plugin) }, ordered: settings.ordered,
                    nowUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)
                )
            } catch let error as DeadLetterQueryError {
                throw ValidationError("--\(error.description)")
            }
            if dryRun {
                let preview = try await store.previewReplay(selection, limit: 10)
                print("\(preview.count) event(s) would be sent to \(plugin) again (types: \(selection.eventTypes.isEmpty ? "none" : selection.eventTypes.joined(separator: ", ")))")
                for event in preview.first {
                    print("  #\(event.id)  \(Self.time(event.receivedAtUnixMilliseconds))  \(event.eventType)  \(event.entityId)  (delivery #\(event.deliveryID))")
                }
                if preview.count > preview.first.count { print("  … and \(preview.count - preview.first.count) more") }
                return
            }
            let bar = ProgressBar(label: "creating jobs")
            let result = try await store.replay(selection, nowUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), batchSize: 500) { done, total in
                bar.update(done: done, total: total)
                return true
            }
            bar.finish()
            if result.resumedAfter > 0 {
                print("resumed replay #\(result.id): \(result.resumedAfter) job(s) were created before it was interrupted")
            }
            print("replay #\(result.id): created \(result.created) job(s) for \(plugin) (\(result.total) event(s) in all)")
        }
    }

    private static func time(_ milliseconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
