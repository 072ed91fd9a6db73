#!/usr/bin/env python3
"""One build's round for Benchmarks/postgres-ab.sh: arguments NAME WRK_RESULT METRICS_BEFORE
METRICS_AFTER ACUHOOK_TICKS POSTGRES_TICKS CLK_TCK; prints req/s, batch size and time, CPU.
"""
import re, sys
name, result, before, after, acuhook, postgres, hz = sys.argv[1:8]
def metric(text, key):
    m = re.search(rf"^{key} ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0
delta = lambda key: metric(after, key) - metric(before, key)
batches = delta("acuhook_store_commit_duration_seconds_count")
rps = float(re.search(r"rps=([0-9.]+)", result).group(1))
p50 = re.search(r"p50_ms=([0-9.]+)", result).group(1)
per_batch = delta("acuhook_store_commit_deliveries_sum") / batches if batches else 0
ms_batch = 1000 * delta("acuhook_store_commit_duration_seconds_sum") / batches if batches else 0
print(f"{name}: {rps:.0f} req/s, p50 {p50} ms; {per_batch:.1f} deliveries per batch, {ms_batch:.2f} ms per batch; "
      f"CPU acuhook {int(acuhook) / int(hz):.1f} s, postgres {int(postgres) / int(hz):.1f} s")
