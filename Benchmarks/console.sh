#!/usr/bin/env bash
# Console page latency with a large store: fills a SQLite store with N deliveries (default
# 1,000,000; jobs 99 % done, 1 % dead), starts `acuhook serve` on it, and requests each console
# page REQUESTS times over real HTTP (curl), with varied pages, filters and delivery numbers.
# Reports p50 / p95 / max per page (see Benchmarks/README.md). The filled store is kept in
# STORE_DIR (default .build/console-bench) and reused when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${COUNT:-1000000}"
requests="${REQUESTS:-40}"
store_dir="${STORE_DIR:-.build/console-bench}"
source scripts/setup.sh
swift build -c release --product acuhook >/dev/null
swift build -c release --product acuhook-bench >/dev/null

mkdir -p "$store_dir"
db="$store_dir/acuhook-$count.db"
[ -f "$db" ] || .build/release/acuhook-bench fill-store "$db" "$count"

work=$(mktemp -d)
cat > "$work/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18095}
admin: {port: 18096}
store: {path: $(realpath "$db")}
sources:
  - {name: acumatica, auth: {scheme: none}}
  - {name: push, auth: {scheme: none}}
  - {name: erp-eu, auth: {scheme: none}}
plugins: []
YAML
.build/release/acuhook serve --config "$work/acuhook.yaml" --log-level error & server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/18096) 2>/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:18096
curl -s -c "$work/jar" -o /dev/null "$base/console/login"

now_ms=$(date +%s%3N)
python3 - "$base" "$work/jar" "$requests" "$count" "$now_ms" <<'PY'
import random, statistics, subprocess, sys, datetime
base, jar, requests, count, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
random.seed(7)
def iso(ms): return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
start = now - count * 60_000
pages = {
    "deliveries (first page)": lambda: "/console/deliveries",
    "deliveries (a deep page)": lambda: f"/console/deliveries?before={random.randint(1000, count)}",
    "deliveries ?source=": lambda: f"/console/deliveries?source={random.choice(['acumatica', 'push', 'erp-eu'])}&before={random.randint(1000, count)}",
    "deliveries ?event_type=": lambda: f"/console/deliveries?event_type=Entity{random.randint(0, 9)}.Updated&before={random.randint(1000, count)}",
    "deliveries ?since=&until=": lambda: (lambda t: f"/console/deliveries?since={iso(t)}&until={iso(t + 3_600_000)}")(start + random.randint(0, count) * 60_000),
    "deliveries ?answer=refused": lambda: "/console/deliveries?answer=refused",
    "one delivery": lambda: f"/console/deliveries/{random.randint(1, count)}",
    "plugins": lambda: "/console/plugins",
    "routes": lambda: "/console/routes",
    "dead letters (200 rows)": lambda: "/console/dlq",
    "dead letters ?since=": lambda: "/console/dlq?since=2h",
    "purge confirmation (count)": lambda: "/console/dlq/purge",
    "/metrics": lambda: "/metrics",
}
print(f"{count:,} deliveries; {requests} requests per page; curl time_total in ms")
print(f"{'page':30} {'p50':>8} {'p95':>8} {'max':>8}")
for name, uri in pages.items():
    times = []
    for _ in range(requests):
        out = subprocess.run(["curl", "-s", "-b", jar, "-o", "/dev/null", "-w", "%{http_code} %{time_total}", base + uri()], capture_output=True, text=True).stdout.split()
        assert out[0] == "200", f"{name}: HTTP {out[0]}"
        times.append(float(out[1]) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{name:30} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
PY
