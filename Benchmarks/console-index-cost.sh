#!/usr/bin/env bash
# What the console's three indexes (a delivery's events, deliveries by source, by event type)
# cost the receive path: the same release build on two stores, one as migrated and one with those
# indexes dropped, measured alternately ROUNDS times with wrk (32 connections, signed ~1 KB
# guide body, a new delivery id per request). Reports each run, the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
rounds="${ROUNDS:-5}"
acuhook_bin="${ACUHOOK:-.build/release/acuhook}"
source scripts/setup.sh
source Benchmarks/common.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
[ -n "${ACUHOOK:-}" ] || swift build -c release --product acuhook >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
secret=bench-secret
for variant in with without; do
  port=$([ "$variant" = with ] && echo 18101 || echo 18103)
  mkdir -p "$work/$variant"
  cat > "$work/$variant/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: $port}
admin: {port: $((port + 1))}
store: {path: $work/$variant/acuhook.db}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
YAML
done
# Migrate the second store, then drop the console's indexes from it.
"$acuhook_bin" serve --config "$work/without/acuhook.yaml" --log-level error & first=$!
wait_for_port 18103
kill "$first"; wait "$first" 2>/dev/null || true
sqlite3 "$work/without/acuhook.db" "DROP INDEX events_delivery; DROP INDEX events_type; DROP INDEX deliveries_source;"
for variant in with without; do
  "$acuhook_bin" serve --config "$work/$variant/acuhook.yaml" --log-level warning & pids+=($!)
done
for port in 18101 18103; do wait_for_port "$port"; done

signed_body "$secret"
body="$BENCH_BODY"
echo "body: ${#body} bytes; 32 connections; $duration per run; $rounds rounds; $(nproc) cores"
run() { BENCH_RUN="$1-$RANDOM" wrk -t2 -c32 -d"$duration" -s Benchmarks/receive.lua "$2" | grep RESULT | sed -E 's/.*rps=([0-9.]+).*/\1/'; }
for port in 18101 18103; do BENCH_RUN="warm-$RANDOM" wrk -t2 -c8 -d2s -s Benchmarks/receive.lua "http://127.0.0.1:$port/webhooks/acumatica" >/dev/null; done
with=(); without=()
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then
    with+=("$(run with http://127.0.0.1:18101/webhooks/acumatica)"); without+=("$(run without http://127.0.0.1:18103/webhooks/acumatica)")
  else
    without+=("$(run without http://127.0.0.1:18103/webhooks/acumatica)"); with+=("$(run with http://127.0.0.1:18101/webhooks/acumatica)")
  fi
  echo "round $round: with the indexes ${with[-1]} req/s, without ${without[-1]} req/s"
done
python3 Benchmarks/ab_summary.py "with the indexes" "without" "${with[*]}" "${without[*]}"
