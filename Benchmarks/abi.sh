#!/usr/bin/env bash
# Cost of one event through the plugin C ABI (marshal + call + result) into a no-op plugin,
# against a direct Swift call measured in the same run. Run by hand; see Benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-2000000}"
swift build -c release --product acuhook-bench >/dev/null
swift build -c release --package-path Tests/Fixtures >/dev/null
exec .build/release/acuhook-bench "$iterations"
