#!/usr/bin/env bash
# A good client's answers while a hostile one attacks (see Benchmarks/README.md): the release
# build of `acuhook serve` under `prlimit --nofile=1024:1024` (systemd's default soft limit),
# Tests/Hostile/hostile.py opening 3,000 slow-head, 1,000 silent and 300 trickling connections
# from 127.0.0.2 (reopened 2 s after each close) while a good client sends one signed delivery
# every 100 ms from 127.0.0.1. Deadlines are the defaults (head 10 s, body rate judged after
# 5 s, idle 60 s). Prints the script's JSON and the server's CPU time.
# ACUHOOK: the binary to measure (default: this checkout's release build). DURATION: seconds (60).
set -euo pipefail
cd "$(dirname "$0")/.."
acuhook_bin="${ACUHOOK:-.build/release/acuhook}"
duration="${DURATION:-60}"
source scripts/setup.sh
[ -n "${ACUHOOK:-}" ] || swift build -c release --product acuhook >/dev/null

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18180}
admin: {host: 127.0.0.1, port: 18181}
store: {path: $work/acuhook.db}
sources:
  - name: erp
    auth: {scheme: hmac-sha256, secrets: [bench-secret]}
YAML
prlimit --nofile=1024:1024 "$acuhook_bin" serve --config "$work/acuhook.yaml" --log-level warning 2>"$work/serve.log" &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18180/health >/dev/null && break; sleep 0.2; done
python3 Tests/Hostile/hostile.py --port 18180 --secret bench-secret --duration "$duration" --reopen 2
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo "server CPU: $(echo "scale=1; $ticks / $(getconf CLK_TCK)" | bc) s in ${duration} s"
curl -s http://127.0.0.1:18181/metrics | grep -E '^acuhook_connections_closed_total\{listener="receiver"' | grep -v ' 0$' || true
