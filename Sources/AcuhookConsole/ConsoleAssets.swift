/// The console's stylesheet and script, served from the binary (`/console/assets/…`). Pages
/// carry no inline script or style, so the Content-Security-Policy allows neither.
enum ConsoleAssets {
    static let css = """
        :root { --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --bg: #f8f9fb; --ok: #12805c; --warn: #b54708; --bad: #b42318; --accent: #2e5aac; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; gap: 2rem; align-items: center; padding: .6rem 1.5rem; background: #101828; }
        header a { color: #e4e7ec; text-decoration: none; margin-right: 1rem; }
        header a.active { color: #fff; border-bottom: 2px solid #84adff; }
        .brand { font-weight: 700; font-size: 1.1rem; color: #fff; }
        main { padding: 1rem 1.5rem 3rem; max-width: 1400px; }
        h1 { font-size: 1.4rem; margin: .4rem 0 1rem; } h2 { font-size: 1.1rem; } h3 { font-size: 1rem; } h4 { margin: .6rem 0 .3rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; }
        .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
        pre.json { background: #fff; border: 1px solid var(--line); padding: .8rem; overflow: auto; max-height: 32rem; white-space: pre-wrap; word-break: break-all; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: 1rem; }
        .filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: 1rem; }
        .filters label { display: flex; flex-direction: column; color: var(--muted); font-size: 12px; }
        input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
        button { cursor: pointer; background: #fff; } button:hover { border-color: var(--accent); }
        form.inline { display: inline-block; margin: 0 .5rem .5rem 0; }
        .chip { display: inline-flex; gap: .3rem; align-items: center; margin: 0 .3rem .3rem 0; padding: .1rem .4rem; border: 1px solid var(--line); border-radius: 12px; background: #f2f4f7; }
        .chip.off { text-decoration: line-through; opacity: .7; } .chip button { border: 0; padding: 0 .2rem; background: transparent; }
        .badge { display: inline-block; padding: .05rem .45rem; border-radius: 10px; font-size: 12px; background: #eef2f6; }
        .badge.ok, .badge.done, .badge.accepted, .badge.breaker-closed { background: #d1fadf; color: var(--ok); }
        .badge.retry, .badge.pending, .badge.running, .badge.duplicate, .badge.breaker-half-open { background: #fef0c7; color: var(--warn); }
        .badge.dead, .badge.rejected, .badge.exhausted, .badge.refused, .badge.timeout, .badge.crashed, .badge.breaker-open, .badge.breaker-forced-open { background: #fee4e2; color: var(--bad); }
        .hint { color: var(--muted); font-size: 12.5px; font-weight: normal; }
        .error { color: var(--bad); } .flash { background: #eff8ff; border: 1px solid #b2ddff; padding: .5rem .8rem; border-radius: 4px; }
        .danger { color: var(--bad); } a { color: var(--accent); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
        ol.timeline { padding-left: 1.2rem; } tr.fresh { animation: fresh 2s ease-out; }
        @keyframes fresh { from { background: #d1e9ff; } to { background: transparent; } }
        progress { width: 24rem; height: 1rem; }
        """

    static let javaScript = """
        "use strict";
        // Dates are shown in the browser's time zone.
        function localTimes(root) {
          for (const t of root.querySelectorAll("time")) {
            const d = new Date(t.textContent);
            if (!isNaN(d)) { t.title = t.textContent; t.textContent = d.toLocaleString(); }
          }
        }
        function cell(text, className) {
          const td = document.createElement("td");
          if (className) td.className = className;
          td.textContent = text;
          return td;
        }
        // Deliveries: new ones arrive over server-sent events and are added at the top.
        function followDeliveries(table) {
          const source = table.dataset.source, eventType = table.dataset.eventType;
          const events = new EventSource("/console/events");
          const status = document.getElementById("live-status");
          events.addEventListener("delivery", (message) => {
            const d = JSON.parse(message.data);
            if (d.status !== 200 || d.duplicate || d.row == null) return;
            if (source && d.source !== source) return;
            if (eventType) return; // the event type is not in the stream: reload to see them
            const row = document.createElement("tr");
            row.className = "fresh";
            const link = document.createElement("a");
            link.href = "/console/deliveries/" + d.row;
            link.textContent = String(d.row);
            const first = document.createElement("td");
            first.appendChild(link);
            row.appendChild(first);
            const time = document.createElement("time");
            time.textContent = new Date(d.at).toLocaleString();
            const when = document.createElement("td");
            when.appendChild(time);
            row.appendChild(when);
            row.appendChild(cell(d.source));
            const answer = document.createElement("td");
            const badge = document.createElement("span");
            badge.className = "badge accepted";
            badge.textContent = "200 stored";
            answer.appendChild(badge);
            row.appendChild(answer);
            row.appendChild(cell(d.delivery_id || "", "mono"));
            row.appendChild(cell(d.events + " event(s)"));
            row.appendChild(cell(""));
            const body = table.tBodies[0];
            const empty = body.querySelector("tr.empty");
            if (empty) empty.remove();
            body.insertBefore(row, body.firstChild);
          });
          events.onopen = () => { if (status) status.textContent = "Live: new deliveries appear here as they arrive."; };
          events.onerror = () => { if (status) status.textContent = "Live updates paused; reconnecting…"; };
        }
        document.addEventListener("DOMContentLoaded", () => {
          localTimes(document);
          const table = document.getElementById("deliveries");
          if (table && table.dataset.live === "true") followDeliveries(table);
          const all = document.getElementById("select-all");
          if (all) all.addEventListener("change", () => {
            for (const box of document.querySelectorAll("input[name=ids]")) box.checked = all.checked;
          });
          const running = document.getElementById("task-running");
          if (running) setTimeout(() => { location.replace(running.dataset.refresh); }, 500);
        });
        """
}
