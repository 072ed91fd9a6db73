#!/usr/bin/env bash
# The test command: builds everything once (the host, the acuhook binary, the example plugins and
# the misbehaving fixture plugins of Tests/Fixtures, every .so the tests dlopen), then runs the
# whole Swift Testing suite against those builds. Installs the test tools it lacks first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# What the tests need beyond the build: promtool (Debian's prometheus package) lints /metrics
# and the alert rules; headless Chromium, its driver and Selenium (PyPI) drive the console.
# The http-forward plugin's tests: openssl makes a certificate, the PyPI `standardwebhooks` library
# checks signatures.
ensure_tools promtool:prometheus chromium:chromium chromedriver:chromium-driver openssl:openssl
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q "selenium>=4.20"
python3 -c "import standardwebhooks" 2>/dev/null || python3 -m pip install -q "standardwebhooks>=1.0"
swift build --build-tests "$@"
swift build --package-path Tests/Fixtures "$@"
swift test --skip-build "$@"
