#!/usr/bin/env bash
# PostgreSQL against SQLite, all in ONE run on this machine, PostgreSQL on the same 2 cores with
# its durable defaults (fsync, synchronous_commit on), as SQLite runs synchronous=FULL:
#   1. ingest: the receive.sh load (signed ~1 KB deliveries, 32 connections, wrk) against
#      `acuhook serve` on SQLite and on PostgreSQL, alternated ROUNDS times (default 3);
#      medians and the ratio PostgreSQL / SQLite;
#   2. ingest with two instances on one database (each gets 16 of the 32 connections);
#   3. dispatch: `acuhook-bench dispatch N` (no-op plugin) on SQLite and on PostgreSQL;
#   4. claims: `acuhook-bench claims 1000000` on PostgreSQL and SQLite (claim latency at 10 k,
#      100 k, 1 M queued; on PostgreSQL also the claim statement's plan with a million queued).
#   Each PostgreSQL measurement starts from an empty store, as each SQLite one does from a new
#   file: the earlier rounds' schemas are dropped and a CHECKPOINT flushes their pages first
#   (otherwise every round pays for the previous rounds' checkpoints and autovacuum).
#   The cluster keeps 1 GB of WAL segments for reuse and creates them first (min_wal_size, as a
#   busy production server is set up and has them): a new cluster otherwise creates and
#   zero-fills a 16 MB segment inside a commit every 16 MB of WAL, ~twice a second here.
#   DURATION (10s), ROUNDS (3), JOBS (100000), CLAIMS (1000000), RESERVE_WAL (MB, 1024; 0: none)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/postgres.sh
source Benchmarks/common.sh
duration="${DURATION:-10s}"
rounds="${ROUNDS:-3}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product acuhook >/dev/null
swift build -c release --product acuhook-bench >/dev/null
swift build -c release --package-path Tests/Fixtures >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; postgres_stop; }
trap cleanup EXIT
postgres_start   # durable: fsync and synchronous_commit on
postgres_reserve_wal   # WAL segments kept for reuse, as on a busy production server (RESERVE_WAL=0: none)
database="$ACUHOOK_TEST_DATABASE_URL"
secret=bench-secret
signed_body "$secret"
echo "$(nproc) cores; body ${#BENCH_BODY} bytes; $duration per measurement; PostgreSQL $("$ACUHOOK_PG_BIN/postgres" --version | awk '{print $3}')"

fresh_cluster() {  # drops the earlier rounds' schemas, then CHECKPOINT
  local psql=(env PGOPTIONS="-c client_min_messages=warning" "$ACUHOOK_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$ACUHOOK_PG_PORT" -U postgres -d acuhook)
  "${psql[@]}" -t -A -c "SELECT format('DROP SCHEMA %I CASCADE;', nspname) FROM pg_namespace WHERE nspname ~ '^(r|two)[0-9]+$'" | "${psql[@]}" >/dev/null
  "${psql[@]}" -c "CHECKPOINT"
}
config() {  # name port store-line
  cat > "$work/$1.yaml" <<YAML
server: {host: 127.0.0.1, port: $2}
admin: {enabled: false}
store: {$3}
sources:
  - name: acumatica
    auth: {scheme: hmac-sha256, secrets: [$secret]}
YAML
  echo "$work/$1.yaml"
}
serve() {  # config → pid
  .build/release/acuhook serve --config "$1" --log-level warning >>"$work/serve.log" 2>&1 &
  echo $!
}
load() {  # name connections url...
  local name=$1 connections=$2; shift 2
  local outs=()
  for url in "$@"; do
    BENCH_RUN="$name-$RANDOM" wrk -t1 -c"$connections" -d"$duration" -s Benchmarks/receive.lua "$url" > "$work/wrk-$RANDOM.out" &
    outs+=($!)
  done
  wait "${outs[@]}"
  cat "$work"/wrk-*.out | grep RESULT | sed -E 's/.*rps=([0-9.]+).*/\1/' | paste -sd+ | bc
  rm -f "$work"/wrk-*.out
}

declare -a sqlite_rps postgres_rps two_rps
for round in $(seq 1 "$rounds"); do
  s=$(config "sqlite$round" 18181 "path: $work/sqlite$round.db"); pid=$(serve "$s"); pids+=($pid); wait_for_port 18181
  BENCH_RUN=warm wrk -t1 -c8 -d2s -s Benchmarks/receive.lua http://127.0.0.1:18181/webhooks/acumatica >/dev/null
  sqlite_rps+=("$(load sqlite 32 http://127.0.0.1:18181/webhooks/acumatica)"); kill "$pid"; wait "$pid" 2>/dev/null || true

  fresh_cluster
  p=$(config "pg$round" 18182 "url: \"$database?schema=r$round$RANDOM\""); pid=$(serve "$p"); pids+=($pid); wait_for_port 18182
  BENCH_RUN=warm wrk -t1 -c8 -d2s -s Benchmarks/receive.lua http://127.0.0.1:18182/webhooks/acumatica >/dev/null
  postgres_rps+=("$(load postgres 32 http://127.0.0.1:18182/webhooks/acumatica)"); kill "$pid"; wait "$pid" 2>/dev/null || true

  fresh_cluster
  schema="two$round$RANDOM"
  a=$(config "a$round" 18183 "url: \"$database?schema=$schema\""); b=$(config "b$round" 18184 "url: \"$database?schema=$schema\"")
  pa=$(serve "$a"); pb=$(serve "$b"); pids+=($pa $pb); wait_for_port 18183; wait_for_port 18184
  two_rps+=("$(load two 16 http://127.0.0.1:18183/webhooks/acumatica http://127.0.0.1:18184/webhooks/acumatica)")
  kill "$pa" "$pb"; wait "$pa" "$pb" 2>/dev/null || true
  echo "round $round: sqlite ${sqlite_rps[-1]} req/s; postgres ${postgres_rps[-1]} req/s; postgres, two instances ${two_rps[-1]} req/s"
done
python3 Benchmarks/postgres_summary.py "${sqlite_rps[*]}" "${postgres_rps[*]}" "${two_rps[*]}"
echo "== dispatch (${JOBS:-100000} jobs, no-op plugin)"
.build/release/acuhook-bench dispatch "${JOBS:-100000}" | grep -E "dispatch:|calls/s"
BENCH_DATABASE_URL="$database" .build/release/acuhook-bench dispatch "${JOBS:-100000}" | grep -E "dispatch:|calls/s"

echo "== claims"
BENCH_DATABASE_URL="$database" .build/release/acuhook-bench claims "${CLAIMS:-1000000}"
.build/release/acuhook-bench claims "${CLAIMS:-1000000}"
