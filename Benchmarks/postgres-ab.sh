#!/usr/bin/env bash
# Two or more `acuhook` binaries against each other on PostgreSQL ingest, alternated in the same
# minutes: the receive.sh load (signed ~1 KB deliveries, 32 connections, wrk) against
# `acuhook serve` on a durable throwaway cluster, each run on an empty store (earlier schemas
# dropped, CHECKPOINT first), in alternating order. After each run: req/s, p50, the store's batches (deliveries per
# batch, ms per batch) and the CPU the server process and PostgreSQL used.
#   Benchmarks/postgres-ab.sh OLD_BINARY NEW_BINARY [...]     DURATION (10s), ROUNDS (3),
#   RESERVE_WAL (MB of WAL segments kept for reuse and created first, as in postgres.sh; 0: none)
#   A binary named `sqlite:PATH` runs on a SQLite file instead, for a same-minutes reference.
#   An environment for one binary: wrap it in a two-line shell script (`VAR=x exec bin "$@"`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,10p "$0" >&2; exit 2; }
source scripts/setup.sh
source scripts/postgres.sh
source Benchmarks/common.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
duration="${DURATION:-10s}"
rounds="${ROUNDS:-3}"
work=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; postgres_stop; }
trap cleanup EXIT
postgres_start   # durable
postgres_reserve_wal   # WAL segments kept for reuse, as on a busy production server (RESERVE_WAL=0: none)
secret=bench-secret
signed_body "$secret"
psql_admin() { PGOPTIONS="-c client_min_messages=warning" "$ACUHOOK_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$ACUHOOK_PG_PORT" -U postgres -d acuhook "$@"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { local sum=0; for p in $(pgrep -u "$ACUHOOK_PG_OWNER" postgres 2>/dev/null || pgrep postgres); do sum=$((sum + $(ticks "$p"))); done; echo $sum; }

measure() {  # binary
  local binary=$1 store
  if [ "${binary#sqlite:}" != "$binary" ]; then
    binary=${binary#sqlite:}; store="path: $work/s$RANDOM.db"
  else
    psql_admin -t -A -c "SELECT format('DROP SCHEMA %I CASCADE;', nspname) FROM pg_namespace WHERE nspname ~ '^ab[0-9]+$'" | psql_admin >/dev/null
    psql_admin -c CHECKPOINT
    store="url: \"$ACUHOOK_TEST_DATABASE_URL?schema=ab$RANDOM\""
  fi
  cat > "$work/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18191}
admin: {host: 127.0.0.1, port: 18192}
store: {$store}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
YAML
  "$binary" serve --config "$work/acuhook.yaml" --log-level warning >>"$work/serve.log" 2>&1 &
  pid=$!
  wait_for_port 18191
  BENCH_RUN=warm wrk -t1 -c8 -d2s -s Benchmarks/receive.lua http://127.0.0.1:18191/webhooks/acumatica >/dev/null
  local before=$(curl -s http://127.0.0.1:18192/metrics) a0=$(ticks $pid) p0=$(pg_ticks)
  local result=$(BENCH_RUN="ab-$RANDOM" wrk -t1 -c32 -d"$duration" -s Benchmarks/receive.lua http://127.0.0.1:18191/webhooks/acumatica | grep RESULT)
  local a1=$(ticks $pid) p1=$(pg_ticks) after=$(curl -s http://127.0.0.1:18192/metrics)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  python3 Benchmarks/postgres_ab_round.py "$1" "$result" "$before" "$after" $((a1 - a0)) $((p1 - p0)) "$(getconf CLK_TCK)"
}

# Odd rounds in the order given, even rounds reversed: the second run of a round measured up to
# 15 % faster than the first with the same binary, whatever it was.
order=("$@")
for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  for binary in "${order[@]}"; do measure "$binary"; done
  reversed=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do reversed+=("${order[i]}"); done; order=("${reversed[@]}")
done
