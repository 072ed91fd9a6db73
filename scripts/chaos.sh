#!/usr/bin/env bash
# Chaos: `acuhook serve` with a plugin that records every call (customer-sync), under steady
# signed load from 4 senders, SIGKILLed KILLS times (default 20) at random moments and restarted.
# Senders resend what got no answer, as Acumatica does. At the end it proves that every delivery
# answered 200 was dispatched at least once or dead-lettered, printing answered, dispatched, dead,
# duplicates and lost, and exits 1 if anything was lost.
#
#   scripts/chaos.sh                 # 20 kills, with .build/debug (or ACUHOOK=<binary>)
#   KILLS=3 scripts/chaos.sh         # the reduced run .ci/run makes
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${ACUHOOK:-.build/debug/acuhook}"
[ -x "$bin" ] || { echo "chaos: $bin is not built (run scripts/test.sh or swift build first)" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
plugin="$(dirname "$bin")/libCustomerSync.so"
[ -f "$plugin" ] || { echo "chaos: $plugin is not built" >&2; exit 2; }
work=$(mktemp -d)
# Every server chaos.py starts is in $work/pids: whatever is left of them is stopped by PID.
stop_servers() { [ ! -f "$work/pids" ] || xargs -r kill -KILL < "$work/pids" 2>/dev/null || true; }
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
python3 scripts/chaos.py "$bin" "$plugin" "$work" "${KILLS:-20}"
