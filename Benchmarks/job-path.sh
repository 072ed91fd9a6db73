#!/usr/bin/env bash
# The job path, two builds alternated in one run (Benchmarks/job_path.py says what is measured):
# ingest alone and ingest with a C no-op plugin dispatched, req/s and CPU per request by thread.
#   OLD=<acuhook binary> NEW=<acuhook binary> Benchmarks/job-path.sh     ROUNDS (3), DURATION (10s)
# Build each with `swift build -c release --product acuhook` (a worktree for the older one).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --package-path Tests/Fixtures >/dev/null
body=$(python3 Benchmarks/guide_body.py)
export BENCH_BODY="$body" BENCH_SIGNATURE="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac bench-secret -r | cut -d' ' -f1)"
python3 Benchmarks/job_path.py
