import AcuhookCore
import AcuhookStore
import Foundation
import Hummingbird
import Logging

extension AdminAPI {
    /// `POST /admin/replays`: the body's backfill previewed (`dry_run`), or its jobs created.
    static func replay(
        _ request: Request, store: any EventStore, operations: any AdminOperations, logger: Logger, nowUnixMilliseconds now: Int64
    ) async throws -> Response {
        struct Body: Decodable {
            var request: ReplayRequest
            var dryRun: Bool
            init(from decoder: any Decoder) throws {
                request = try ReplayRequest(from: decoder)
                dryRun = try decoder.container(keyedBy: Key.self).decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
            }
            enum Key: String, CodingKey { case dryRun = "dry_run" }
        }
        let data = try await request.body.collect(upTo: 64 << 10)
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(data.readableBytesView)) else {
            return AdminResponse.error(400, code: "invalid_body", "expected a JSON object with plugin and since, and optionally event, source, until and dry_run")
        }
        let selection: ReplaySelection
        do {
            guard let found = try await operations.replaySelection(body.request) else {
                return AdminResponse.error(404, code: "unknown_plugin", "no plugin named '\(body.request.plugin)' is loaded")
            }
            selection = found
        } catch let error as DeadLetterQueryError {
            return AdminResponse.error(400, code: "invalid_\(error.field)", error.description)
        }
        if body.dryRun {
            let preview = try await store.previewReplay(selection, limit: 10)
            return try AdminResponse.json(ReplayPreviewDocument(preview, selection: selection))
        }
        let result = try await store.replay(selection, nowUnixMilliseconds: now, batchSize: 500, progress: { _, _ in true })
        logger.notice(
            "admin: replay created jobs",
            metadata: [
                "acuhook.plugin": "\(selection.plugin)", "acuhook.replay": "\(result.id)", "acuhook.count": "\(result.created)",
                "acuhook.replay.total": "\(result.total)",
            ]
        )
        return try AdminResponse.json(ReplayResultDocument(result))
    }
}

/// `POST /admin/replays` with `dry_run`: how many events, which types, and the first ones.
public struct ReplayPreviewDocument: Codable, Sendable, Equatable {
    /// Events the replay would give a new job.
    public var count: Int
    /// The event types it covers.
    public var eventTypes: [String]
    /// The first events, oldest first.
    public var first: [ReplayPreview.Event]

    enum CodingKeys: String, CodingKey {
        case count, first
        case eventTypes = "event_types"
    }

    /// The document of `preview`.
    public init(_ preview: ReplayPreview, selection: ReplaySelection) {
        count = preview.count
        eventTypes = selection.eventTypes
        first = preview.first
    }
}

/// `POST /admin/replays`: what was created.
public struct ReplayResultDocument: Codable, Sendable, Equatable {
    /// The replay's id, the mark on its jobs.
    public var id: Int64
    /// Events it covers.
    public var total: Int
    /// Jobs this call created.
    public var created: Int
    /// Jobs an interrupted earlier run had created (this call resumed it).
    public var resumedAfter: Int

    enum CodingKeys: String, CodingKey {
        case id, total, created
        case resumedAfter = "resumed_after"
    }

    /// The document of `result`.
    public init(_ result: ReplayResult) {
        id = result.id
        total = result.total
        created = result.created
        resumedAfter = result.resumedAfter
    }
}
