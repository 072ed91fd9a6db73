import AcuhookCore
import Foundation
import Hummingbird
import NIOCore

/// Server-sent events of an ``ActivityFeed``: what the console's live view and `acuhook tail`
/// follow. Each event is `event: delivery` or `event: job` with one JSON object as its data; a
/// comment line every 15 s keeps idle connections open through proxies. The stream ends when
/// the client goes away or the feed is closed.
public enum ActivityStream {
    /// A `text/event-stream` response following `feed` from now on; it ends when the client
    /// goes away or the feed is closed (``ActivityFeed/close()``, at graceful shutdown).
    public static func response(_ feed: ActivityFeed, keepAlive: Duration = .seconds(15)) -> Response {
        let events = feed.follow()
        let (buffers, output) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        output.yield(ByteBuffer(string: ": following acuhook activity\n\n"))
        let pump = Task {
            for await event in events { output.yield(ByteBuffer(string: text(event))) }
            output.finish()
        }
        let ping = Task {
            while (try? await Task.sleep(for: keepAlive)) != nil { output.yield(ByteBuffer(string: ": keep-alive\n\n")) }
        }
        // The client went away (the body is no longer read), or the feed ended.
        output.onTermination = { _ in
            pump.cancel()
            ping.cancel()
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(asyncSequence: buffers)
        )
    }

    /// One event in the stream's wire form.
    public static func text(_ event: ActivityEvent) -> String {
        let (name, object): (String, [String: Any])
        switch event {
        case .delivery(let d):
            var fields: [String: Any] = [
                "at": d.atUnixMilliseconds, "source": d.source, "status": d.status, "duplicate": d.duplicate, "events": d.events,
            ]
            if let id = d.deliveryID { fields["delivery_id"] = id }
            if let code = d.code { fields["code"] = code }
            if let row = d.deliveryRow { fields["row"] = row }
            (name, object) = ("delivery", fields)
        case .job(let j):
            (name, object) = (
                "job",
                [
                    "at": j.atUnixMilliseconds, "plugin": j.plugin, "job": j.jobID, "row": j.deliveryRow, "event_type": j.eventType,
                    "outcome": j.outcome.rawValue, "next": j.next, "duration_ms": j.durationMilliseconds,
                ]
            )
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
