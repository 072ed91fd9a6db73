#!/usr/bin/env bash
# Soak: `acuhook serve` (release) for MINUTES (default 30) at half the capacity measured first
# (CAPACITY_SECONDS of unthrottled load), delivering to a plugin that fails one call in ten
# (retried), with short retentions (2 min, deliveries and idempotency keys) so the store can
# reach a steady size. Every SAMPLE seconds it records RSS, open fds, the store file and WAL sizes, and the p99 of the
# delivery latency in that interval (from /metrics); writes them to Benchmarks/soak.csv and plots
# Benchmarks/soak.png (matplotlib from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${MINUTES:-30}"
sample="${SAMPLE:-10}"
capacity_seconds="${CAPACITY_SECONDS:-20}"
source scripts/setup.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
python3 -c "import matplotlib" 2>/dev/null || python3 -m pip install -q matplotlib
swift build -c release --product acuhook >/dev/null
swift build --package-path Tests/Fixtures >/dev/null
fixture="$(pwd)/Tests/Fixtures/.build/debug/libFixtureScripted.so"

work=$(mktemp -d)
secret=soak-secret
cat > "$work/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18111}
admin: {port: 18112}
store: {path: $work/acuhook.db, retention: 2m, idempotency_retention: 2m, sweep_interval: 30s}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
dispatch:
  retry: {base_delay: 100ms, max_delay: 1s, max_attempts: 8, jitter: full}
plugins:
  - path: $fixture
    events: ["Fixture.*"]
YAML
.build/release/acuhook serve --config "$work/acuhook.yaml" --log-level warning 2> "$work/serve.log" & server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/18111) 2>/dev/null && break; sleep 0.1; done

body='{"eventType":"Fixture.Test","entityType":"Fixture","entityId":"flaky","timestamp":"2026-12-01T10:00:00Z","data":{"note":"soak"},"metadata":{"correlationId":"soak"}}'
export BENCH_BODY="$body" BENCH_SIGNATURE="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)"
# Capacity: deliveries received and dispatched per second, end to end: CAPACITY_SECONDS of
# unthrottled load, then the wait until its backlog is worked off, over the whole time (on two
# cores receiving alone outruns the plugin's jobs; the soak must not build a backlog).
jobs() { curl -s http://127.0.0.1:18112/admin/jobs | python3 -c "import json,sys; j=json.load(sys.stdin)['jobs']; print(j.get('$1', 0))"; }
started=$(date +%s.%N)
received=$(BENCH_RUN=cap SOAK_DELAY_MS=0 wrk -t2 -c32 -d"${capacity_seconds}s" -s Benchmarks/soak.lua http://127.0.0.1:18111/webhooks/acumatica | grep RESULT | sed -E 's/.*rps=([0-9.]+).*/\1/')
while [ "$(jobs pending)" != "0" ] || [ "$(jobs running)" != "0" ]; do sleep 0.5; done
capacity=$(python3 -c "import time; print(round($received * $capacity_seconds / (time.time() - $started)))")
# 32 connections, each waiting `delay` ms between requests (plus the answer's latency).
delay=$(python3 -c "print(max(0, round(32 * 1000 / ($capacity / 2))))")
echo "unthrottled: received ${received} req/s; end to end (received and worked off) ${capacity} deliveries/s; soak at about half: 32 connections, ${delay} ms apart each; ${minutes} min"
BENCH_RUN=soak SOAK_DELAY_MS=$delay wrk -t2 -c32 -d"${minutes}m" -s Benchmarks/soak.lua http://127.0.0.1:18111/webhooks/acumatica > "$work/wrk.out" & load=$!

python3 - "$server" "$work" "$minutes" "$sample" "$load" <<'PY'
import csv, os, subprocess, sys, time, urllib.request
pid, work, minutes, sample, load = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def buckets():
    text = urllib.request.urlopen("http://127.0.0.1:18112/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith('acuhook_delivery_duration_seconds_bucket{source="acumatica"'):
            le = line.split('le="')[1].split('"')[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out
def p99(before, after):
    edges = sorted(after)
    total = after[edges[-1]] - before.get(edges[-1], 0)
    if total <= 0: return 0.0, 0
    for edge in edges:
        if after[edge] - before.get(edge, 0) >= 0.99 * total: return edge * 1000, int(total)
    return float("inf"), int(total)
def size(path): return os.path.getsize(path) if os.path.exists(path) else 0
rows, previous, start = [], buckets(), time.time()
log = open("Benchmarks/soak.csv", "w", newline="")
fields = ["seconds", "rss_mb", "fds", "db_mb", "wal_mb", "p99_ms", "deliveries"]
stream = csv.DictWriter(log, fieldnames=fields)
stream.writeheader()
while time.time() - start < minutes * 60 and os.path.exists(f"/proc/{load}"):
    time.sleep(sample)
    statm = open(f"/proc/{pid}/statm").read().split()
    now = buckets()
    latency, count = p99(previous, now)
    previous = now
    row = {"seconds": round(time.time() - start), "rss_mb": int(statm[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20,
           "fds": len(os.listdir(f"/proc/{pid}/fd")), "db_mb": size(f"{work}/acuhook.db") / 2**20,
           "wal_mb": size(f"{work}/acuhook.db-wal") / 2**20, "p99_ms": latency, "deliveries": count}
    rows.append(row)
    stream.writerow(row)
    log.flush()
    print(f"{row['seconds']:5d}s  rss {row['rss_mb']:6.1f} MB  fds {row['fds']:3d}  db {row['db_mb']:7.1f} MB  wal {row['wal_mb']:6.1f} MB  p99 <= {latency:6.2f} ms  ({count} deliveries)", flush=True)
log.close()
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
t = [r["seconds"] / 60 for r in rows]
fig, axes = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
for axis, (key, label) in zip(axes, [("rss_mb", "RSS (MB)"), ("fds", "open fds"), ("db_mb", "store file (MB)"), ("p99_ms", "p99 per interval (ms, bucket bound)")]):
    axis.plot(t, [r[key] for r in rows])
    axis.set_ylabel(label)
    axis.grid(True, alpha=0.3)
axes[2].plot(t, [r["wal_mb"] for r in rows], label="WAL (MB)")
axes[2].legend(["store file", "WAL"])
axes[-1].set_xlabel("minutes")
fig.suptitle(f"acuhook soak: {minutes} min at half capacity, plugin failing 10 % of calls")
fig.tight_layout()
fig.savefig("Benchmarks/soak.png", dpi=80)
print("wrote Benchmarks/soak.csv and Benchmarks/soak.png")
PY
wait $load || true
cat "$work/wrk.out" | grep RESULT || true
curl -s http://127.0.0.1:18112/admin/jobs; echo
