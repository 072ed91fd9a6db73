#!/usr/bin/env python3
"""Times every console page (curl's time_total) for Benchmarks/console.sh:
arguments BASE_URL COOKIE_JAR REQUESTS_PER_PAGE DELIVERIES NOW_MS; prints p50, p95, max.
"""
import random, statistics, subprocess, sys, datetime
base, jar, requests, count, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
random.seed(7)
def iso(ms): return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
start = now - count * 60_000
pages = {
    "deliveries (first page)": lambda: "/console/deliveries",
    "deliveries (a deep page)": lambda: f"/console/deliveries?before={random.randint(1000, count)}",
    "deliveries ?source=": lambda: f"/console/deliveries?source={random.choice(['acumatica', 'push', 'erp-eu'])}&before={random.randint(1000, count)}",
    "deliveries ?event_type=": lambda: f"/console/deliveries?event_type=Entity{random.randint(0, 9)}.Updated&before={random.randint(1000, count)}",
    "deliveries ?since=&until=": lambda: (lambda t: f"/console/deliveries?since={iso(t)}&until={iso(t + 3_600_000)}")(start + random.randint(0, count) * 60_000),
    "deliveries ?answer=refused": lambda: "/console/deliveries?answer=refused",
    "one delivery": lambda: f"/console/deliveries/{random.randint(1, count)}",
    "plugins": lambda: "/console/plugins",
    "routes": lambda: "/console/routes",
    "dead letters (200 rows)": lambda: "/console/dlq",
    "dead letters ?since=": lambda: "/console/dlq?since=2h",
    "purge confirmation (count)": lambda: "/console/dlq/purge",
    "/metrics": lambda: "/metrics",
}
print(f"{count:,} deliveries; {requests} requests per page; curl time_total in ms")
print(f"{'page':30} {'p50':>8} {'p95':>8} {'max':>8}")
for name, uri in pages.items():
    times = []
    for _ in range(requests):
        out = subprocess.run(["curl", "-s", "-b", jar, "-o", "/dev/null", "-w", "%{http_code} %{time_total}", base + uri()], capture_output=True, text=True).stdout.split()
        assert out[0] == "200", f"{name}: HTTP {out[0]}"
        times.append(float(out[1]) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{name:30} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
