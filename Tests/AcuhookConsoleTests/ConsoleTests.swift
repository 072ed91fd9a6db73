import AcuhookConsole
import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The console's routes: signing in, CSRF, escaping, bad input, pagination and actions.
@Suite struct ConsoleTests {
    @Test func signingInWithTheTokenGivesAStrictHttpOnlySessionAndAWrongTokenNothing() async throws {
        let console = try TestConsole()
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            let anonymous = try await browser.get("/console/deliveries?source=erp")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/console/login?next=%2Fconsole%2Fdeliveries%3Fsource%3Derp")

            let wrong = try await browser.signIn(token: "not-the-token-at-all")
            #expect(wrong.status == .unauthorized && browser.cookie == nil)
            #expect(String(buffer: wrong.body).contains("That token is not the admin token."))
            #expect(console.logs.all.contains { $0.message == "console: sign-in refused (wrong token)" })

            let right = try await browser.signIn()
            #expect(right.status == .seeOther && right.headers[.location] == "/console/deliveries")
            let cookie = try #require(right.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            let page = try await browser.get("/console/deliveries")
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            // No open redirect through `next`.
            for next in ["https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2Fconsole%5C..%5C"] {
                let signIn = try await client.execute(
                    uri: "/console/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "token=\(TestConsole.token)&next=\(next)")
                )
                #expect(signIn.headers[.location] == "/console/deliveries", "\(next)")
            }
        }
    }

    @Test func stateChangingFormsNeedTheSessionsCSRFTokenAndChangeNothingWithout() async throws {
        let console = try TestConsole()
        let row = try await console.store(key: "k1")
        let job = try #require(try await console.store.delivery(row)?.events.first?.jobs.first)
        try await console.store.complete([JobCompletion(jobID: try #require(try await console.store.claimJobs(plugins: ["fixture-scripted"], limit: 1, lease: .seconds(60), nowUnixMilliseconds: 1_796_000_000_001).first?.id), disposition: .dead(reason: .rejected), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 1, durationMilliseconds: 2, outcome: .rejected, message: "bad"))])
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let missing = try await browser.post("/console/jobs/\(job.id)/replay", "delivery=\(row)")
            #expect(missing.status == .forbidden)
            #expect(String(buffer: missing.body).contains("missing its CSRF token"))
            let forged = try await browser.post("/console/jobs/\(job.id)/replay", "csrf=\(String(repeating: "0", count: 64))&delivery=\(row)")
            #expect(forged.status == .forbidden)
            #expect(try await console.store.delivery(row)?.events.first?.jobs.first?.state == .dead)

            let csrf = try #require(try await browser.csrf(on: "/console/deliveries/\(row)"))
            let replayed = try await browser.post("/console/jobs/\(job.id)/replay", "csrf=\(csrf)&delivery=\(row)")
            #expect(replayed.status == .seeOther && replayed.headers[.location] == "/console/deliveries/\(row)?done=replayed&n=1")
            #expect(try await console.store.delivery(row)?.events.first?.jobs.first?.state == .pending)
            #expect(String(buffer: try await browser.get("/console/deliveries/\(row)?done=replayed&n=1").body).contains("1 job(s) put back in the queue."))

            // Another browser's token is not this one's.
            var other = Browser(client: client)
            _ = try await other.signIn()
            #expect(try await other.post("/console/deliveries/\(row)/resend", "csrf=\(csrf)").status == .forbidden)
        }
    }

    @Test func nothingFromAPayloadIsRenderedUnescaped() async throws {
        let console = try TestConsole()
        let script = "<script>alert('x')</script>"
        let body = #"{"eventType":"Customer.Updated","entityId":"<script>alert('x')</script>","data":{"Name":{"value":"<script>alert('x')</script>"},"TimeStamp":638400000000000001}}"#
        let row = try await console.store(key: script, entity: script, body: body)
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            for uri in ["/console/deliveries", "/console/deliveries/\(row)", "/console/deliveries?event_type=%3Cscript%3E"] {
                let page = String(buffer: try await browser.get(uri).body)
                #expect(!page.contains("<script>alert"), "\(uri)")
            }
            let detail = String(buffer: try await browser.get("/console/deliveries/\(row)").body)
            #expect(detail.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
            // Pretty-printed, with the 19-digit integer exact.
            #expect(detail.contains("&quot;TimeStamp&quot;: 638400000000000001"))
        }
    }

    @Test func badInputGetsAClearAnswer() async throws {
        let console = try TestConsole()
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let csrf = try #require(try await browser.csrf(on: "/console/plugins"))
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/console/deliveries/999", .notFound, "There is no stored delivery 999."),
                ("/console/deliveries/abc", .badRequest, "A delivery is named by its number."),
                ("/console/deliveries?since=yesterday", .badRequest, "since: must be an ISO 8601 time or an age such as 2h, not &#39;yesterday&#39;"),
                ("/console/deliveries?answer=maybe", .badRequest, "answer must be stored, refused or duplicate"),
                ("/console/dlq?reason=tired", .badRequest, "reason must be rejected or exhausted"),
                ("/console/dlq/purge?since=yesterday", .badRequest, "Filter not understood"),
                ("/console/tasks/nope", .notFound, "That bulk action is unknown"),
            ]
            for (uri, status, message) in cases {
                let response = try await browser.get(uri)
                #expect(response.status == status, "\(uri)")
                #expect(String(buffer: response.body).contains(message), "\(uri): \(String(buffer: response.body))")
            }
            let unknownJob = try await browser.post("/console/jobs/424242/replay", "csrf=\(csrf)")
            #expect(unknownJob.status == .notFound && String(buffer: unknownJob.body).contains("There is no job 424242 that can be replayed"))
            let unknownPlugin = try await browser.post("/console/plugins/nobody/breaker", "csrf=\(csrf)&action=open")
            #expect(unknownPlugin.status == .notFound)
            let badPattern = try await browser.post("/console/plugins/fixture-scripted/routes", "csrf=\(csrf)&event=Customer.**&enabled=true")
            #expect(badPattern.status == .badRequest)
            let unconfirmed = try await browser.post("/console/dlq/purge", "csrf=\(csrf)&plugin=fixture-scripted")
            #expect(unconfirmed.status == .badRequest && String(buffer: unconfirmed.body).contains("Purging needs the confirmation"))
        }
    }

    @Test func pagesWalkEveryDeliveryOnceNewestFirstAndFiltersNarrowThem() async throws {
        let console = try TestConsole()
        let start: Int64 = 1_796_000_000_000
        for index in 0..<120 {
            try await console.store(
                key: "k\(index)", source: index % 3 == 0 ? "push" : "erp", types: [index % 2 == 0 ? "Customer.Updated" : "StockItem.Updated"],
                at: start + Int64(index) * 60_000
            )
        }
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            func rows(_ page: String) -> [Int] {
                page.matches(of: /<a href="\/console\/deliveries\/(\d+)">/).map { Int($0.1)! }
            }
            func older(_ page: String) -> String? {
                (page.firstMatch(of: /id="older" href="([^"]+)"/)?.1).map { String($0).replacingOccurrences(of: "&amp;", with: "&") }
            }
            var seen: [Int] = []
            var uri: String? = "/console/deliveries"
            while let next = uri {
                let page = String(buffer: try await browser.get(next).body)
                seen += rows(page)
                uri = older(page)
            }
            #expect(seen == Array((1...120).reversed()))

            let push = rows(String(buffer: try await browser.get("/console/deliveries?source=push").body))
            #expect(push.count == 40 && push.allSatisfy { ($0 - 1) % 3 == 0 })
            let stock = rows(String(buffer: try await browser.get("/console/deliveries?source=erp&event_type=StockItem.Updated").body))
            #expect(stock.allSatisfy { ($0 - 1) % 2 == 1 && ($0 - 1) % 3 != 0 } && stock.count == 40)
            // Received in [10 min, 20 min): deliveries 11…20.
            let window = rows(String(buffer: try await browser.get("/console/deliveries?since=2026-11-30T01:03:20Z&until=2026-11-30T01:13:20Z").body))
            #expect(window == Array((11...20).reversed()))
        }
    }

    @Test func theOpenConsoleOnLoopbackStillUsesASessionAndCSRF() async throws {
        let console = try TestConsole(token: nil)
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            let first = try await browser.signIn(token: nil)
            #expect(first.status == .seeOther && browser.cookie != nil)
            let csrf = try #require(try await browser.csrf(on: "/console/plugins"))
            let opened = try await browser.post("/console/plugins/fixture-scripted/breaker", "csrf=\(csrf)&action=open")
            #expect(opened.status == .seeOther)
            #expect(console.host.runners["fixture-scripted"]?.breakerState == .forcedOpen)
            let page = String(buffer: try await browser.get("/console/plugins").body)
            #expect(page.contains(#"id="breaker-fixture-scripted">forced-open<"#))
            #expect(page.contains("closed → <b>forced-open</b>"))
            #expect(try await browser.post("/console/plugins/fixture-scripted/breaker", "action=reset").status == .forbidden)
        }
    }

    @Test func thePluginsPageShowsBatchRateAndTheJobsWaitingForTheRate() async throws {
        let console = try TestConsole { plugin in
            plugin.rate = RateSettings(perSecond: 10, burst: 5)
            var batch = BatchSettings()
            batch.maxEvents = 50
            plugin.batch = batch
        }
        // Three due jobs, none claimed: they wait for the plugin's rate.
        for key in ["a", "b", "c"] { try await console.store(key: key, at: 1_000) }
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let page = String(buffer: try await browser.get("/console/plugins").body)
            #expect(page.contains(#"<th>Batch</th><td colspan="3">50 events or 50ms</td>"#), "\(page)")
            #expect(page.contains(#"<th>Rate</th><td colspan="3">10/s (burst 5)</td>"#))
            #expect(page.contains(#"id="waiting-for-rate-fixture-scripted">3<"#))
        }
    }

    @Test func aReplayShowsItsCountBeforeCreatingAnythingThenMarksItsJobs() async throws {
        let console = try TestConsole()
        for key in ["a", "b", "c"] { try await console.store(key: key, at: 1_796_000_000_000) }
        try await console.store(key: "old", at: 1_000)
        let before = try await console.store.count("jobs")
        try await console.application.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn()
            let form = String(buffer: try await browser.get("/console/replay").body)
            #expect(form.contains("<option>fixture-scripted</option>"))
            let csrf = try #require(try await browser.csrf(on: "/console/replay"))
            let query = "csrf=\(csrf)&plugin=fixture-scripted&event=Customer.*&since=2026-11-01T00:00:00Z&until=2027-12-01T00:00:00Z"
            // The confirmation counts the three events in the window; nothing is created yet.
            let confirm = String(buffer: try await browser.post("/console/replay/preview", query).body)
            #expect(confirm.contains(#"<b id="replay-count">3</b>"#), "\(confirm)")
            #expect(confirm.contains(#"id="confirm-replay">Create 3 job(s)</button>"#))
            #expect(try await console.store.count("jobs") == before)
            // Without the confirmation field nothing happens either.
            #expect(try await browser.post("/console/replay", query).status == .badRequest)
            let started = try await browser.post("/console/replay", query + "&confirm=replay")
            #expect(started.status == .seeOther)
            let task = try #require(started.headers[.location])
            #expect(try await waitFor { String(buffer: try await browser.get(task).body).contains("Replay #1: 3 job(s) created for fixture-scripted.") })
            #expect(try await console.store.count("jobs") == before + 3)
            let delivery = String(buffer: try await browser.get("/console/deliveries/1").body)
            #expect(delivery.contains(">replay #1</span>"), "\(delivery)")
            // A bad time is explained, not guessed.
            let bad = try await browser.post("/console/replay/preview", "csrf=\(csrf)&plugin=fixture-scripted&since=soon")
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("since must be an ISO 8601 time"))
        }
    }
}
