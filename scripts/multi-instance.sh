#!/usr/bin/env bash
# Two `acuhook serve` instances on one PostgreSQL database, proven with real processes and real
# HTTP. Both run customer-sync, appending to one shared file (each call one line, appended
# atomically), with `ordered: true`.
#
#  1. Normal case: 400 deliveries spread over both instances (20 entities, each entity's events
#     alternating between the instances), and 50 deliveries sent to both at the same moment with
#     one delivery id. Proves: every delivery stored once (the twins too), every event handed to
#     the plugin exactly once, and each entity's events in timestamp order across instances.
#  2. SIGKILL: 4 senders post to both instances (resending unanswered deliveries to the other,
#     as a load balancer fails over); instance A is SIGKILLed mid-load. Proves: every delivery
#     answered 200 is dispatched at least once or dead-lettered, and A's claimed jobs are run by
#     B once their lease expires.
#
# Uses ACUHOOK_TEST_DATABASE_URL, or starts a throwaway cluster (scripts/postgres.sh).
#   scripts/multi-instance.sh            # with .build/debug (or ACUHOOK=<binary>)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/postgres.sh
bin="${ACUHOOK:-.build/debug/acuhook}"
[ -x "$bin" ] || { echo "multi-instance: $bin is not built (run scripts/test.sh or swift build first)" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
plugin="$(dirname "$bin")/libCustomerSync.so"
work=$(mktemp -d)
started_here=""
# Every server multi_instance.py starts is in $work/pids: whatever is left of them is stopped by PID.
cleanup() {
  [ ! -f "$work/pids" ] || xargs -r kill -KILL < "$work/pids" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
  [ -z "$started_here" ] || postgres_stop
}
trap cleanup EXIT
if [ -z "${ACUHOOK_TEST_DATABASE_URL:-}" ]; then
  postgres_start fast || { echo "multi-instance: SKIPPED: PostgreSQL is unavailable on this machine" >&2; exit 0; }
  started_here=1
fi
python3 scripts/multi_instance.py "$bin" "$plugin" "$work" "$ACUHOOK_TEST_DATABASE_URL"
