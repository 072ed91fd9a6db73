#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets of Tests/Fuzz (instrumented with -sanitize=fuzzer,address)
# and runs each for FUZZ_SECONDS (default 30), starting from its committed seed corpus. Exits 1 when
# a target finds a crash or a broken property, printing the saved input and how to replay it.
#
#   scripts/fuzz.sh                                 # every target, 30 s each (what .ci/run does)
#   FUZZ_SECONDS=3600 scripts/fuzz.sh FuzzJSON      # one target for an hour
#   FUZZ_KEEP=1 scripts/fuzz.sh                     # keep the grown corpora and logs
#   .build-fuzz/<config>/FuzzJSON crash-…           # replay a saved input
#
# New inputs libFuzzer finds go to a scratch corpus, never into Tests/Fuzz/Corpus; add one there by
# hand when it covers something the seeds do not.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_tools ld.lld:lld
seconds="${FUZZ_SECONDS:-30}"
configuration="${FUZZ_CONFIGURATION:-release}"
all=(FuzzJSON FuzzPushNotification FuzzSignatureHeaders FuzzEventFilter FuzzConfiguration)
targets=("${@:-${all[@]}}")
[ $# -gt 0 ] || targets=("${all[@]}")

# gold fails to link these (an internal error in its DWARF reader), so link with lld.
swift build --package-path Tests/Fuzz --scratch-path .build-fuzz -c "$configuration" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 \
  | grep -v "Cannot export local symbol '__asan_extra_spill_area'"
bin=".build-fuzz/$configuration"

work=$(mktemp -d)
[ -n "${FUZZ_KEEP:-}" ] && echo "fuzz: corpora and logs in $work" || trap 'rm -rf "$work"' EXIT
# Swift's own crash handler would report again, under ASan, what libFuzzer already reports.
export SWIFT_BACKTRACE=enable=no
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$work/$target"
  echo "== $target: ${seconds} s"
  if "$bin/$target" "$work/$target" "Tests/Fuzz/Corpus/$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/$target-" >"$work/$target.log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$work/$target.log" | tr '\n' ' '
    grep -E "^#[0-9]+.*(DONE|pulse)" "$work/$target.log" | tail -1 || true
    echo
  else
    failed+=("$target")
    tail -40 "$work/$target.log"
    mkdir -p .build-fuzz/crashes
    for artifact in "$work/$target"-*; do
      [ -e "$artifact" ] || continue
      cp "$artifact" .build-fuzz/crashes/
      echo "fuzz: $target failed on .build-fuzz/crashes/$(basename "$artifact"); replay: $bin/$target .build-fuzz/crashes/$(basename "$artifact")"
    done
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash"
