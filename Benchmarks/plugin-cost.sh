#!/usr/bin/env bash
# CPU per call of the example plugins, in one run: the Swift no-op fixture (the reference: the
# ABI and the kit alone), customer-sync as it is now, and customer-sync as
# it was at OLD_REV (Foundation's JSONSerialization per call, the file opened per call), built in
# a git worktree. Each is called CALLS times per round on a ~1 KB Customer.Updated event; the
# median of 7 rounds of this thread's CPU time (write(2) included) is printed.
#   Benchmarks/plugin-cost.sh     CALLS (100000), RUNS (3), OLD_REV (d73490d: before the kit's field reader)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
calls="${CALLS:-100000}"
old_rev="${OLD_REV:-d73490d}"
swift build -c release --product acuhook-bench >/dev/null
swift build -c release --product CustomerSync >/dev/null
swift build -c release --package-path Tests/Fixtures >/dev/null
old=$(mktemp -d)
trap 'git worktree remove --force "$old" >/dev/null 2>&1 || rm -rf "$old"' EXIT
git worktree add --detach "$old" "$old_rev" >/dev/null 2>&1
swift build -c release --package-path "$old" --product CustomerSync >/dev/null 2>&1
cp "$old/.build/release/libCustomerSync.so" "$old/libCustomerSyncAt${old_rev}.so"
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== run $run"
  .build/release/acuhook-bench plugin-cost "$calls" \
    Tests/Fixtures/.build/release/libFixtureSwiftNoop.so \
    .build/release/libCustomerSync.so \
    "$old/libCustomerSyncAt${old_rev}.so"
done
