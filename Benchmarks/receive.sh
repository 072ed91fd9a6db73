#!/usr/bin/env bash
# Receive benchmark, all in ONE run on this machine (see Benchmarks/README.md):
#   1. a bare Hummingbird POST route (reference),
#   2. Acuhook's full receive path (verify + normalise + dedupe + durable commit + 200),
#   3. the webhook guide's Flask receiver under gunicorn with 2 workers,
#   4. Acuhook's full receive path while every delivery is also dispatched to a no-op C plugin
#      (FixtureNoop) in the same process; after the run it prints the jobs still pending (the
#      backlog), at once and 2 s later, so that "dispatch keeps up" is shown, not assumed;
#   5. two floors for the store: the same receiver on the in-memory store (`acuhook-bench
#      memory-server`: everything but the store) and on an append-only intake log with one
#      fdatasync per batch (`acuhook-bench log-server`: a store durable before it answers, with
#      no tables or indexes).
# Signed ~1 KB guide-format body, 32 connections, wrk from Debian's packages (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
# ACUHOOK: the acuhook binary to measure (default: this checkout's release build), so that two
# builds can be alternated in the same minutes (see Benchmarks/README.md).
acuhook_bin="${ACUHOOK:-.build/release/acuhook}"
connections="${CONNECTIONS:-32}"
source scripts/setup.sh

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
python3 -c "import flask, gunicorn" 2>/dev/null || pip install -q flask gunicorn

swift build -c release --product acuhook >/dev/null
swift build -c release --product acuhook-bench >/dev/null
swift build -c release --package-path Tests/Fixtures >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

secret=bench-secret
cat > "$work/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18081}
store: {path: $work/acuhook.db, synchronous: ${SYNCHRONOUS:-full}}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
YAML
mkdir -p "$work/dispatch"
cat > "$work/dispatch/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18083}
admin: {host: 127.0.0.1, port: 18084}
store: {path: $work/dispatch/acuhook.db, synchronous: ${SYNCHRONOUS:-full}}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
plugins:
  - path: $PWD/Tests/Fixtures/.build/release/libFixtureNoop.so
    events: ["Customer.*"]
YAML

.build/release/acuhook-bench bare-server 18080 & pids+=($!)
"$acuhook_bin" serve --config "$work/acuhook.yaml" --log-level warning & pids+=($!)
"$acuhook_bin" serve --config "$work/dispatch/acuhook.yaml" --log-level warning & pids+=($!)
.build/release/acuhook-bench memory-server 18087 & pids+=($!)
.build/release/acuhook-bench log-server 18089 "$work/intake.log" & pids+=($!)
# bare, Acuhook, Flask, Acuhook with dispatch, in-memory store, intake log
ports=(18080 18081 18082 18083 18087 18089)
ACUHOOK_BENCH_SECRET=$secret gunicorn -w 2 -b 127.0.0.1:18082 --chdir Benchmarks --log-level warning flask_receiver:app & pids+=($!)

for port in "${ports[@]}"; do
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.1
  done
done

# A ~1 KB guide-format body and its signature.
body=$(python3 Benchmarks/guide_body.py)
signature="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)"
export BENCH_BODY="$body" BENCH_SIGNATURE="$signature"
echo "body: ${#body} bytes; $connections connections; $duration per server; $(nproc) cores"

run() {
  local name=$1 url=$2
  BENCH_RUN="$name-$RANDOM" wrk -t2 -c"$connections" -d"$duration" --latency -s Benchmarks/receive.lua "$url" | grep RESULT | sed "s/^RESULT/$name/"
}
# Warm up each server briefly, then measure.
for port in "${ports[@]}"; do
  url=http://127.0.0.1:$port/webhooks/acumatica
  BENCH_RUN="warm-$RANDOM" wrk -t2 -c8 -d2s -s Benchmarks/receive.lua "$url" >/dev/null
done
bare=$(run bare-hummingbird http://127.0.0.1:18080/webhooks/acumatica)
acuhook=$(run acuhook-full-path http://127.0.0.1:18081/webhooks/acumatica)
flask=$(run flask-gunicorn-2w http://127.0.0.1:18082/webhooks/acumatica)
memory=$(run receiver-in-memory-store http://127.0.0.1:18087/webhooks/acumatica)
log=$(run receiver-intake-log http://127.0.0.1:18089/webhooks/acumatica)
jobs() { curl -s http://127.0.0.1:18084/admin/jobs | python3 -c "import json,sys; j=json.load(sys.stdin)['jobs']; print(j.get('$1', 0))"; }
before=$(jobs done)
dispatching=$(run acuhook-with-noop-dispatch http://127.0.0.1:18083/webhooks/acumatica)
pending_end=$(jobs pending); done_end=$(jobs done)
sleep 2
pending_later=$(jobs pending)
echo "$bare"; echo "$acuhook"; echo "$flask"; echo "$dispatching"; echo "$memory"; echo "$log"
echo "with dispatch: $((done_end - before)) jobs done during the run; pending at its end: $pending_end; 2 s later: $pending_later"
rps() { sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$1"; }
python3 Benchmarks/receive_summary.py "$(rps "$bare")" "$(rps "$acuhook")" "$(rps "$flask")" "$(rps "$dispatching")" "$(rps "$memory")" "$(rps "$log")"
