#!/usr/bin/env bash
# Set up and run: builds Acuhook and its example plugins (release) and starts the receiver on
# safe defaults (127.0.0.1:8080, ./acuhook-data/, a generated secret printed once).
# Arguments are passed to `acuhook` instead, e.g.
#   scripts/run.sh serve --config examples/acuhook.yaml
#   scripts/run.sh plugins check .build/release/libStockLog.so
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release
if [ $# -gt 0 ]; then exec .build/release/acuhook "$@"; fi
exec .build/release/acuhook serve
