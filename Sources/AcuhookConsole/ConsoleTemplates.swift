import Mustache

/// The console's Mustache templates, compiled into the binary (no files to deploy, nothing to
/// build). Every `{{value}}` is HTML-escaped; no template uses the unescaped `{{{…}}}` form.
enum ConsoleTemplates {
    /// Every page, by name, with the shared layout.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("layout", layout), ("login", login), ("error", error), ("deliveries", deliveries), ("delivery", delivery),
        ("plugins", plugins), ("routes", routes), ("dlq", deadLetters), ("purge", purge), ("task", task),
        ("replay", replay), ("replayConfirm", replayConfirm),
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Acuhook</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/console/assets/console.css">
        <script src="/console/assets/console.js" defer></script>
        </head>
        <body data-page="{{page}}">
        <header>
          <a class="brand" href="/console/deliveries">Acuhook</a>
          {{#signed_in}}
          <nav>
            <a href="/console/deliveries" class="{{#nav_deliveries}}active{{/nav_deliveries}}">Deliveries</a>
            <a href="/console/plugins" class="{{#nav_plugins}}active{{/nav_plugins}}">Plugins</a>
            <a href="/console/routes" class="{{#nav_routes}}active{{/nav_routes}}">Routes</a>
            <a href="/console/dlq" class="{{#nav_dlq}}active{{/nav_dlq}}">Dead letters</a>
            <a href="/console/replay" class="{{#nav_replay}}active{{/nav_replay}}">Replay</a>
          </nav>
          {{/signed_in}}
        </header>
        <main>
        {{#flash}}<p class="flash" id="flash">{{flash}}</p>{{/flash}}
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    static let login = """
        {{<layout}}{{$content}}
        <h1>Sign in</h1>
        {{#failed}}<p class="error" id="login-error">That token is not the admin token.</p>{{/failed}}
        <form method="post" action="/console/login" class="card">
          <input type="hidden" name="next" value="{{next}}">
          <label>Admin token <input type="password" name="token" id="token" autocomplete="current-password" autofocus></label>
          <button type="submit" id="sign-in">Sign in</button>
        </form>
        {{/content}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$content}}
        <h1>{{heading}}</h1>
        <p class="error" id="error-message">{{message}}</p>
        <p><a href="{{back}}">Back</a></p>
        {{/content}}{{/layout}}
        """

    static let deliveries = """
        {{<layout}}{{$content}}
        <h1>Deliveries</h1>
        <form method="get" action="/console/deliveries" class="filters">
          <label>Source <select name="source"><option value="">all</option>{{#sources}}<option value="{{name}}" {{#selected}}selected{{/selected}}>{{name}}</option>{{/sources}}</select></label>
          <label>Event type <input name="event_type" value="{{filter.event_type}}" placeholder="Customer.Updated"></label>
          <label>Answer <select name="answer">{{#answers}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/answers}}</select></label>
          <label>Since <input name="since" value="{{filter.since}}" placeholder="2h or 2026-12-01T10:00:00Z"></label>
          <label>Until <input name="until" value="{{filter.until}}"></label>
          <button type="submit">Filter</button>
        </form>
        {{#live}}<p class="hint" id="live-status">New deliveries appear here as they arrive.</p>{{/live}}
        {{#memory}}<p class="hint">Refusals and duplicates are not stored: these are the latest {{count}} kept in memory since start-up.</p>{{/memory}}
        <table id="deliveries" data-live="{{#live}}true{{/live}}" data-source="{{filter.source}}" data-event-type="{{filter.event_type}}">
          <thead><tr><th>#</th><th>Received</th><th>Source</th><th>Answer</th><th>Delivery id</th><th>Events</th><th>Client</th></tr></thead>
          <tbody>
          {{#rows}}
            <tr>
              <td>{{#row}}<a href="/console/deliveries/{{row}}">{{row}}</a>{{/row}}</td>
              <td><time>{{received}}</time></td><td>{{source}}</td><td><span class="badge {{answer_class}}">{{answer}}</span></td>
              <td class="mono">{{key}}</td><td>{{types}}</td><td class="mono">{{client}}</td>
            </tr>
          {{/rows}}
          {{^rows}}<tr class="empty"><td colspan="7">No deliveries match.</td></tr>{{/rows}}
          </tbody>
        </table>
        {{#older}}<p><a id="older" href="{{older}}">Older →</a></p>{{/older}}
        {{/content}}{{/layout}}
        """

    static let delivery = """
        {{<layout}}{{$content}}
        <h1>Delivery {{id}}</h1>
        <dl class="facts">
          <dt>Source</dt><dd>{{source}}</dd><dt>Received</dt><dd>{{received}}</dd><dt>Delivery id</dt><dd class="mono">{{key}}</dd>
          <dt>Format</dt><dd>{{format}}</dd><dt>Client</dt><dd class="mono">{{client}}</dd>
        </dl>
        <form method="post" action="/console/deliveries/{{id}}/resend" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="resend">Re-send to its plugins</button>
        </form>
        <h2>Headers kept</h2>
        <table class="headers">{{#headers}}<tr><th>{{name}}</th><td class="mono">{{value}}</td></tr>{{/headers}}</table>
        <h2>Body</h2>
        <pre id="body" class="json">{{body}}</pre>
        <h2>Events</h2>
        {{#events}}
        <section class="event card">
          <h3>{{type}} <span class="mono">{{entity}}</span></h3>
          {{^jobs}}<p class="hint">No plugin was routed this event.</p>{{/jobs}}
          {{#jobs}}
          <div class="job" id="job-{{id}}">
            <h4>{{plugin}} <span class="badge {{state}}">{{state}}</span>{{#replay}} <span class="badge replay" id="replay-{{id}}">replay #{{replay}}</span>{{/replay}} <span class="hint">job {{id}} · {{attempts}} attempt(s){{#reason}} · {{reason}}{{/reason}}</span></h4>
            <table class="attempts">
              <thead><tr><th>Attempt</th><th>Started</th><th>Outcome</th><th>Duration</th><th>Message</th></tr></thead>
              <tbody>
              {{#history}}<tr><td>{{number}}</td><td><time>{{started}}</time></td><td><span class="badge {{outcome}}">{{outcome}}</span></td><td>{{duration}}</td><td>{{message}}</td></tr>{{/history}}
              {{^history}}<tr class="empty"><td colspan="5">{{none}}</td></tr>{{/history}}
              </tbody>
            </table>
            {{#replayable}}
            <form method="post" action="/console/jobs/{{id}}/replay" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="delivery" value="{{delivery}}">
              <button type="submit" class="replay-job">Replay this job</button>
            </form>
            {{/replayable}}
          </div>
          {{/jobs}}
        </section>
        {{/events}}
        {{/content}}{{/layout}}
        """

    static let plugins = """
        {{<layout}}{{$content}}
        <h1>Plugins</h1>
        <form method="post" action="/console/reload" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="reload">Reload configuration</button>
        </form>
        {{#plugins}}
        <section class="card plugin" id="plugin-{{name}}">
          <h2>{{name}} <span class="hint">{{version}} · ABI {{abi}} · {{isolation}}</span>
            <span class="badge breaker-{{breaker}}" id="breaker-{{name}}">{{breaker}}</span></h2>
          <p class="mono hint">{{path}}</p>
          <table class="counters"><tr>
            <th>Calls</th><td>{{calls}}</td><th>Failures</th><td>{{failures}}</td><th>Timeouts</th><td>{{timeouts}}</td>
            <th>Not attempted</th><td>{{not_attempted}}</td><th>In flight</th><td>{{in_flight}}</td><th>p50</th><td>{{p50}}</td><th>p99</th><td>{{p99}}</td>
          </tr><tr>
            <th>Batch</th><td colspan="3">{{batch}}</td><th>Rate</th><td colspan="3">{{rate}}</td>
            <th>Waiting for rate</th><td id="waiting-for-rate-{{name}}">{{waiting_for_rate}}</td>
          </tr></table>
          <form method="post" action="/console/plugins/{{name}}/breaker" class="inline breaker-actions">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" name="action" value="open" id="open-{{name}}">Open breaker</button>
            <button type="submit" name="action" value="reset" id="reset-{{name}}">Reset</button>
            <button type="submit" name="action" value="disable" id="disable-{{name}}">Disable breaker</button>
          </form>
          <h3>Breaker timeline</h3>
          <ol class="timeline">{{#transitions}}<li><time>{{at}}</time> {{from}} → <b>{{to}}</b> <span class="hint">{{reason}}</span></li>{{/transitions}}
          {{^transitions}}<li class="hint">No transitions since this instance started.</li>{{/transitions}}</ol>
        </section>
        {{/plugins}}
        {{#failed}}<section class="card"><h2 class="error">Not loaded</h2><p class="mono">{{path}}</p><p>{{status}}</p></section>{{/failed}}
        {{/content}}{{/layout}}
        """

    static let routes = """
        {{<layout}}{{$content}}
        <h1>Routes</h1>
        <p class="hint">Changes are runtime overrides: stored, applied at once, kept across restarts.</p>
        <table id="routes">
          <thead><tr><th>Plugin</th><th>Receives</th><th>Never receives</th><th>Origin</th><th></th></tr></thead>
          <tbody>
          {{#routes}}
          <tr>
            <td>{{plugin}}</td>
            <td>{{#events}}<form method="post" action="/console/plugins/{{plugin}}/routes" class="chip">
              <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="event" value="{{pattern}}"><input type="hidden" name="enabled" value="false">
              <span class="mono">{{pattern}}</span> <button type="submit" title="disable">✕</button></form>{{/events}}</td>
            <td>{{#disabled}}<form method="post" action="/console/plugins/{{plugin}}/routes" class="chip off">
              <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="event" value="{{pattern}}"><input type="hidden" name="enabled" value="true">
              <span class="mono">{{pattern}}</span> <button type="submit" title="enable">↺</button></form>{{/disabled}}</td>
            <td>{{origin}}</td>
            <td>
              <form method="post" action="/console/plugins/{{plugin}}/routes" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <input name="event" placeholder="Customer.*" required size="14">
                <select name="enabled"><option value="true">enable</option><option value="false">disable</option></select>
                <button type="submit">Apply</button>
              </form>
              <form method="post" action="/console/plugins/{{plugin}}/routes/clear" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Clear overrides</button>
              </form>
            </td>
          </tr>
          {{/routes}}
          </tbody>
        </table>
        {{/content}}{{/layout}}
        """

    static let deadLetters = """
        {{<layout}}{{$content}}
        <h1>Dead letters <span class="hint" id="dlq-count">{{total}} in all; the oldest {{count}} shown</span></h1>
        <form method="get" action="/console/dlq" class="filters">
          <label>Plugin <input name="plugin" value="{{filter.plugin}}"></label>
          <label>Reason <select name="reason">{{#reasons}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/reasons}}</select></label>
          <label>Event type <input name="event_type" value="{{filter.event_type}}"></label>
          <label>Since <input name="since" value="{{filter.since}}" placeholder="2h"></label>
          <button type="submit">Filter</button>
        </form>
        <form method="post" action="/console/dlq/replay" id="bulk">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#filter_fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/filter_fields}}
          <table id="dead-letters">
            <thead><tr><th><input type="checkbox" id="select-all" title="select all"></th><th>Job</th><th>Plugin</th><th>Reason</th><th>Event</th><th>Dead since</th><th>Last attempt</th><th></th></tr></thead>
            <tbody>
            {{#letters}}
            <tr id="dead-{{job}}">
              <td><input type="checkbox" name="ids" value="{{job}}"></td>
              <td><a href="/console/deliveries/{{delivery}}#job-{{job}}">{{job}}</a></td><td>{{plugin}}</td><td><span class="badge {{reason}}">{{reason}}</span></td>
              <td>{{event_type}} <span class="mono">{{entity}}</span></td><td><time>{{dead_at}}</time></td><td>{{last}}</td>
              <td><button type="submit" formaction="/console/dlq/replay?only={{job}}" class="replay-one" id="replay-{{job}}">Replay</button></td>
            </tr>
            {{/letters}}
            {{^letters}}<tr class="empty"><td colspan="8">The dead-letter queue is empty{{#filtered}} for this filter{{/filtered}}.</td></tr>{{/letters}}
            </tbody>
          </table>
          <p class="actions">
            <button type="submit" id="replay-selected">Replay selected</button>
            <button type="submit" name="scope" value="filter" id="replay-matching">Replay all matching</button>
            <a class="danger" id="purge-link" href="/console/dlq/purge?{{query}}">Purge matching…</a>
          </p>
        </form>
        {{/content}}{{/layout}}
        """

    static let purge = """
        {{<layout}}{{$content}}
        <h1>Purge dead letters</h1>
        <p class="error">This deletes <b id="purge-count">{{count}}</b> dead-lettered job(s){{#description}} ({{description}}){{/description}} and their attempts. It cannot be undone.</p>
        <form method="post" action="/console/dlq/purge">
          <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="confirm" value="purge">
          {{#filter_fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/filter_fields}}
          <button type="submit" class="danger" id="confirm-purge">Purge {{count}}</button> <a href="/console/dlq?{{query}}">Cancel</a>
        </form>
        {{/content}}{{/layout}}
        """

    static let replay = """
        {{<layout}}{{$content}}
        <h1>Replay stored events</h1>
        <p class="hint">Sends events already received to a plugin again (after a fix): each gets a new job, from attempt 1,
        through the plugin's filter, ordering, rate and breaker. The next page shows how many before anything is created.</p>
        <form method="post" action="/console/replay/preview" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <p><label>Plugin <select name="plugin" id="replay-plugin">{{#plugins}}<option>{{name}}</option>{{/plugins}}</select></label></p>
          <p><label>Event type or pattern <input name="event" placeholder="every type the plugin receives"></label></p>
          <p><label>Source <input name="source" placeholder="every source"></label></p>
          <p><label>Received since <input name="since" value="{{since}}" required></label>
             <label>until <input name="until" placeholder="now"></label> <span class="hint">an ISO 8601 time or an age (30m, 2h, 3d)</span></p>
          <p><button type="submit" id="replay-preview">Count the events</button></p>
        </form>
        {{/content}}{{/layout}}
        """

    static let replayConfirm = """
        {{<layout}}{{$content}}
        <h1>Replay to {{plugin}}</h1>
        {{#none}}<p id="replay-count">No stored event matches: nothing to replay. <a href="/console/replay">Back</a></p>{{/none}}
        {{^none}}
        <p>This creates <b id="replay-count">{{count}}</b> new job(s) for <b>{{plugin}}</b> ({{types}}). The first:</p>
        <table class="list"><thead><tr><th>Event</th><th>Received</th><th>Type</th><th>Entity</th><th>Delivery</th></tr></thead><tbody>
        {{#first}}<tr><td>{{id}}</td><td><time>{{received}}</time></td><td>{{type}}</td><td>{{entity}}</td><td><a href="/console/deliveries/{{delivery}}">#{{delivery}}</a></td></tr>{{/first}}
        </tbody></table>
        <form method="post" action="/console/replay">
          <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="confirm" value="replay">
          {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/fields}}
          <button type="submit" id="confirm-replay">Create {{count}} job(s)</button> <a href="/console/replay">Cancel</a>
        </form>
        {{/none}}
        {{/content}}{{/layout}}
        """

    static let task = """
        {{<layout}}{{$content}}
        <h1>{{verb}}</h1>
        <p><progress id="progress" max="{{total}}" value="{{done}}"></progress> <span id="progress-text">{{done}} of {{total}}</span></p>
        {{#finished}}<p id="task-done">{{result}}</p><p><a href="{{back}}" id="back">Back</a></p>{{/finished}}
        {{^finished}}<p class="hint" id="task-running" data-refresh="/console/tasks/{{id}}">Working…</p>{{/finished}}
        {{/content}}{{/layout}}
        """
}
