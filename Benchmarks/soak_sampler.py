#!/usr/bin/env python3
"""Samples the soak run of Benchmarks/soak.sh every SAMPLE seconds into WORK/soak.csv:
arguments SERVER_PID WORK MINUTES SAMPLE WRK_PID.
"""
import csv, os, subprocess, sys, time, urllib.request
pid, work, minutes, sample, load = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def buckets():
    text = urllib.request.urlopen("http://127.0.0.1:18112/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith('acuhook_delivery_duration_seconds_bucket{source="acumatica"'):
            le = line.split('le="')[1].split('"')[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out
def p99(before, after):
    edges = sorted(after)
    total = after[edges[-1]] - before.get(edges[-1], 0)
    if total <= 0: return 0.0, 0
    for edge in edges:
        if after[edge] - before.get(edge, 0) >= 0.99 * total: return edge * 1000, int(total)
    return float("inf"), int(total)
def size(path): return os.path.getsize(path) if os.path.exists(path) else 0
rows, previous, start = [], buckets(), time.time()
log = open("Benchmarks/soak.csv", "w", newline="")
fields = ["seconds", "rss_mb", "fds", "db_mb", "wal_mb", "p99_ms", "deliveries"]
stream = csv.DictWriter(log, fieldnames=fields)
stream.writeheader()
while time.time() - start < minutes * 60 and os.path.exists(f"/proc/{load}"):
    time.sleep(sample)
    statm = open(f"/proc/{pid}/statm").read().split()
    now = buckets()
    latency, count = p99(previous, now)
    previous = now
    row = {"seconds": round(time.time() - start), "rss_mb": int(statm[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20,
           "fds": len(os.listdir(f"/proc/{pid}/fd")), "db_mb": size(f"{work}/acuhook.db") / 2**20,
           "wal_mb": size(f"{work}/acuhook.db-wal") / 2**20, "p99_ms": latency, "deliveries": count}
    rows.append(row)
    stream.writerow(row)
    log.flush()
    print(f"{row['seconds']:5d}s  rss {row['rss_mb']:6.1f} MB  fds {row['fds']:3d}  db {row['db_mb']:7.1f} MB  wal {row['wal_mb']:6.1f} MB  p99 <= {latency:6.2f} ms  ({count} deliveries)", flush=True)
log.close()
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
t = [r["seconds"] / 60 for r in rows]
fig, axes = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
for axis, (key, label) in zip(axes, [("rss_mb", "RSS (MB)"), ("fds", "open fds"), ("db_mb", "store file (MB)"), ("p99_ms", "p99 per interval (ms, bucket bound)")]):
    axis.plot(t, [r[key] for r in rows])
    axis.set_ylabel(label)
    axis.grid(True, alpha=0.3)
axes[2].plot(t, [r["wal_mb"] for r in rows], label="WAL (MB)")
axes[2].legend(["store file", "WAL"])
axes[-1].set_xlabel("minutes")
fig.suptitle(f"acuhook soak: {minutes} min at half capacity, plugin failing 10 % of calls")
fig.tight_layout()
fig.savefig("Benchmarks/soak.png", dpi=80)
print("wrote Benchmarks/soak.csv and Benchmarks/soak.png")
