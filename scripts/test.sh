#!/usr/bin/env bash
# The test command: builds everything once (the host, the acuhook binary, the example plugins and
# the misbehaving fixture plugins of Tests/Fixtures, every .so the tests dlopen), then runs the
# whole Swift Testing suite against those builds. Installs the test tools it lacks first.
# The store's tests run against SQLite and against a throwaway PostgreSQL cluster this script
# starts (scripts/postgres.sh, installing Debian's postgresql when missing) and stops after;
# where PostgreSQL cannot be installed, its half is skipped with a message saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/postgres.sh
# What the tests need beyond the build: promtool (Debian's prometheus package) lints /metrics
# and the alert rules; headless Chromium, its driver and Selenium (PyPI) drive the console.
# The http-forward plugin's tests: openssl makes a certificate, the PyPI `standardwebhooks` library
# checks signatures.
ensure_tools promtool:prometheus chromium:chromium chromedriver:chromium-driver openssl:openssl
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q "selenium>=4.20"
python3 -c "import standardwebhooks" 2>/dev/null || python3 -m pip install -q "standardwebhooks>=1.0"
swift build --build-tests "$@"
swift build --package-path Tests/Fixtures "$@"
if [ -z "${ACUHOOK_TEST_DATABASE_URL:-}" ]; then
  trap postgres_stop EXIT
  postgres_start fast || echo "test: PostgreSQL is unavailable on this machine; its tests are SKIPPED (SQLite's run)" >&2
fi
swift test --skip-build "$@"
