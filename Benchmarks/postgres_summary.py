#!/usr/bin/env python3
"""The summary of Benchmarks/postgres.sh: arguments "SQLITE_RPS…" "POSTGRES_RPS…" "TWO_INSTANCES_RPS…".
"""
import statistics, sys
s, p, t = ([float(x) for x in a.split()] for a in sys.argv[1:4])
ms, mp, mt = statistics.median(s), statistics.median(p), statistics.median(t)
print(f"ingest medians: SQLite {ms:.0f} req/s, PostgreSQL {mp:.0f} req/s → PostgreSQL / SQLite = {mp / ms:.2f}x (goal >= 0.5)")
rounds = [b / a for a, b in zip(s, p)]
print("per round: " + ", ".join(f"{r:.2f}x" for r in rounds) + f" (median {statistics.median(rounds):.2f}x)")
print(f"two instances on PostgreSQL {mt:.0f} req/s → two / one = {mt / mp:.2f}x (2 cores: no scale-out to show)")
