#!/usr/bin/env bash
# The test command: builds everything once (the host, the acuhook binary, the example plugins and
# the misbehaving fixture plugins of Tests/Fixtures, every .so the tests dlopen), then runs the
# whole Swift Testing suite against those builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests "$@"
swift build --package-path Tests/Fixtures "$@"
swift test --skip-build "$@"
