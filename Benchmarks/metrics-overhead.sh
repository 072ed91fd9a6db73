#!/usr/bin/env bash
# Metrics overhead: the same release build receiving the same signed ~1 KB deliveries with
# metrics on (scraped every second, 15x Prometheus' default rate) and with `admin.metrics: false`,
# alternated ROUNDS times in one run, so machine noise hits both alike. Reports each run, the
# medians and their ratio (see Benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
rounds="${ROUNDS:-3}"
connections="${CONNECTIONS:-32}"
acuhook_bin="${ACUHOOK:-.build/release/acuhook}"
source scripts/setup.sh
source Benchmarks/common.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -n "${ACUHOOK:-}" ] || swift build -c release --product acuhook >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

secret=bench-secret
for variant in on off; do
  port=$([ "$variant" = on ] && echo 18091 || echo 18093)
  metrics=$([ "$variant" = on ] && echo true || echo false)
  mkdir -p "$work/$variant"
  cat > "$work/$variant/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: $port}
admin: {port: $((port + 1)), metrics: $metrics}
store: {path: $work/$variant/acuhook.db}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
YAML
  "$acuhook_bin" serve --config "$work/$variant/acuhook.yaml" --log-level warning & pids+=($!)
done
for port in 18091 18093; do wait_for_port "$port"; done

signed_body "$secret"
body="$BENCH_BODY"
echo "body: ${#body} bytes; $connections connections; $duration per run; $rounds rounds; $(nproc) cores"

run() {
  BENCH_RUN="$1-$RANDOM" wrk -t2 -c"$connections" -d"$duration" --latency -s Benchmarks/receive.lua "$2" | grep RESULT | sed -E 's/.*rps=([0-9.]+).*/\1/'
}
for port in 18091 18093; do BENCH_RUN="warm-$RANDOM" wrk -t2 -c8 -d2s -s Benchmarks/receive.lua "http://127.0.0.1:$port/webhooks/acumatica" >/dev/null; done

on=(); off=()
measure_on() {
  # A scraper, as Prometheus would be, while the metrics-on server is measured.
  (while true; do curl -s -o /dev/null http://127.0.0.1:18092/metrics; sleep 1; done) & scraper=$!
  on+=("$(run on http://127.0.0.1:18091/webhooks/acumatica)")
  kill "$scraper"; wait "$scraper" 2>/dev/null || true
}
measure_off() { off+=("$(run off http://127.0.0.1:18093/webhooks/acumatica)"); }
for round in $(seq 1 "$rounds"); do
  # Alternate which goes first, so neither always follows the other.
  if (( round % 2 )); then measure_on; measure_off; else measure_off; measure_on; fi
  echo "round $round: metrics on ${on[-1]} req/s, off ${off[-1]} req/s"
done
curl -s http://127.0.0.1:18092/metrics | grep -E '^acuhook_deliveries_total\{source="acumatica",code="200",duplicate="false"\}'
python3 Benchmarks/ab_summary.py "metrics on" "off" "${on[*]}" "${off[*]}" 0.97
