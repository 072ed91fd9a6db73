#!/usr/bin/env bash
# Server CPU per delivery of two builds side by side (see Benchmarks/README.md), alternated:
# wrk -t1 -c8 for 8 s against each in turn, four rounds, the order swapped each round; CPU from
# /proc/PID/stat (user + system) over the requests wrk completed. Less noisy than requests per
# second on two shared cores, since it does not depend on how the cores were shared.
# OLD and NEW: the two acuhook binaries (release builds).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
declare -A binary=([old]="${OLD:?the earlier acuhook binary}" [new]="${NEW:?the later acuhook binary}")
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null; rm -rf $work' EXIT
for b in old new; do
  port=$([ $b = old ] && echo 18380 || echo 18390)
  mkdir -p $work/$b
  cat > $work/$b/acuhook.yaml <<YAML
server: {host: 127.0.0.1, port: $port}
admin: {enabled: false}
store: {path: $work/$b/acuhook.db}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [bench-secret]}
YAML
  "${binary[$b]}" serve --config $work/$b/acuhook.yaml --log-level warning & pids+=($!)
  eval "pid_$b=$!"
done
sleep 3
body=$(python3 -c 'import json; print(json.dumps({"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"C1","data":{"CustomerID":{"value":"C1"}},"metadata":{"correlationId":"x"}},separators=(",",":")))')
export BENCH_BODY="$body" BENCH_SIGNATURE="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac bench-secret -r | cut -d' ' -f1)"
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
for b in old new; do port=$([ $b = old ] && echo 18380 || echo 18390); BENCH_RUN="warm-$b" wrk -t1 -c8 -d3s -s Benchmarks/receive.lua http://127.0.0.1:$port/webhooks/acumatica >/dev/null; done
for round in 1 2 3 4; do
  order="old new"; [ $((round % 2)) = 0 ] && order="new old"
  for b in $order; do
    port=$([ $b = old ] && echo 18380 || echo 18390); pid=$(eval echo \$pid_$b)
    before=$(ticks $pid)
    out=$(BENCH_RUN="r$round-$b-$RANDOM" wrk -t1 -c8 -d8s -s Benchmarks/receive.lua http://127.0.0.1:$port/webhooks/acumatica)
    after=$(ticks $pid)
    requests=$(echo "$out" | grep -E "requests in" | awk '{print $1}')
    python3 -c "import sys; t=($after-$before)/$(getconf CLK_TCK); print(f'round $round $b: {$requests} requests, {t:.2f} s CPU, {t/$requests*1e6:.1f} us/request')"
  done
done
