#!/usr/bin/env bash
# Set up and run: builds Acuhook and its example plugins (release), then shows the plugins and
# routes of examples/acuhook.yaml. Extra arguments are passed to `acuhook` instead, e.g.
#   scripts/run.sh plugins check .build/release/libStockLog.so
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release
if [ $# -gt 0 ]; then exec .build/release/acuhook "$@"; fi
.build/release/acuhook plugins list --config examples/acuhook.yaml
echo
.build/release/acuhook routes --config examples/acuhook.yaml
