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

python3 Benchmarks/soak_sampler.py "$server" "$work" "$minutes" "$sample" "$load"
wait $load || true
cat "$work/wrk.out" | grep RESULT || true
curl -s http://127.0.0.1:18112/admin/jobs; echo
