#!/usr/bin/env bash
# Plugins/pg-upsert: rows per second called one event per call vs. in batches, in one run, against
# a throwaway PostgreSQL with its durable defaults (fsync, synchronous_commit on) on this machine.
#   Benchmarks/pg-upsert.sh     EVENTS (20000), BATCH (500), ROUNDS (3)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/postgres.sh
swift build -c release --product acuhook-bench >/dev/null
swift build -c release --product PgUpsert >/dev/null
trap postgres_stop EXIT
postgres_start >/dev/null
.build/release/acuhook-bench pg-upsert "$ACUHOOK_TEST_DATABASE_URL" "${EVENTS:-20000}" "${BATCH:-500}" "${ROUNDS:-3}"
