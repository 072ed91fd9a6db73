#!/usr/bin/env bash
# Console page latency with a large store: fills a SQLite store with N deliveries (default
# 1,000,000; jobs 99 % done, 1 % dead), starts `acuhook serve` on it, and requests each console
# page REQUESTS times over real HTTP (curl), with varied pages, filters and delivery numbers.
# Reports p50 / p95 / max per page (see Benchmarks/README.md). The filled store is kept in
# STORE_DIR (default .build/console-bench) and reused when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${COUNT:-1000000}"
requests="${REQUESTS:-40}"
store_dir="${STORE_DIR:-.build/console-bench}"
source scripts/setup.sh
swift build -c release --product acuhook >/dev/null
swift build -c release --product acuhook-bench >/dev/null

mkdir -p "$store_dir"
db="$store_dir/acuhook-$count.db"
[ -f "$db" ] || .build/release/acuhook-bench fill-store "$db" "$count"

work=$(mktemp -d)
cat > "$work/acuhook.yaml" <<YAML
server: {host: 127.0.0.1, port: 18095}
admin: {port: 18096}
store: {path: $(realpath "$db")}
sources:
  - {name: acumatica, auth: {scheme: none}}
  - {name: push, auth: {scheme: none}}
  - {name: erp-eu, auth: {scheme: none}}
plugins: []
YAML
.build/release/acuhook serve --config "$work/acuhook.yaml" --log-level error & server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/18096) 2>/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:18096
curl -s -c "$work/jar" -o /dev/null "$base/console/login"

now_ms=$(date +%s%3N)
python3 Benchmarks/console_pages.py "$base" "$work/jar" "$requests" "$count" "$now_ms"
