"""The job path, old build against new, alternated (Benchmarks/job-path.sh runs it).

For each build and round: two fresh servers, one receiving only and one also dispatching every
delivery to the C no-op plugin (FixtureNoop); wrk drives each in turn with the signed ~1 KB body
of Benchmarks/receive.lua. Reported per server: requests per second and the CPU per request of
each group of threads (/proc/PID/task/*/stat over the wrk run): the NIO event loops, the store's
writer, its checkpointer, Swift's task pool, the plugin threads, the rest. A dispatched job's cost
is the CPU per request with dispatch minus that without; the ratio is with / alone.
"""
import json, os, signal, subprocess, sys, tempfile, time, urllib.request

OLD, NEW = os.environ["OLD"], os.environ["NEW"]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = os.environ.get("DURATION", "10s")
FIXTURE = os.path.abspath("Tests/Fixtures/.build/release/libFixtureNoop.so")
TICK = os.sysconf("SC_CLK_TCK")


def group(name):
    if name.startswith("NIO-"): return "loops"
    if name == "acuhook-writer": return "writer"
    if name == "acuhook-ckpt": return "ckpt"
    if "qos" in name or name.startswith("swift") : return "tasks"
    if name.startswith("TP-"): return "plugin"
    return "other"


def threads(pid):
    seen = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f: fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{tid}/comm") as f: name = f.read().strip()
        except FileNotFoundError:
            continue
        seen[tid] = (name, int(fields[11]) + int(fields[12]))
    return seen


def serve(binary, work, port, admin, dispatch):
    os.makedirs(work, exist_ok=True)
    plugins = f'plugins:\n  - path: {FIXTURE}\n    events: ["Customer.*"]\n' if dispatch else ""
    with open(f"{work}/acuhook.yaml", "w") as f:
        f.write(f"server: {{host: 127.0.0.1, port: {port}}}\nadmin: {{host: 127.0.0.1, port: {admin}}}\n"
                f"store: {{path: {work}/acuhook.db}}\nsources:\n  - name: acumatica\n"
                f"    auth: {{scheme: hmac-sha256, secrets: [bench-secret]}}\n{plugins}")
    process = subprocess.Popen([binary, "serve", "--config", f"{work}/acuhook.yaml", "--log-level", "warning"])
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{admin}/admin/jobs", timeout=1)
            return process
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{binary} did not start")


def wrk(port, duration, run):
    env = dict(os.environ, BENCH_RUN=run)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{duration}", "-s", "Benchmarks/receive.lua", f"http://127.0.0.1:{port}/webhooks/acumatica"],
                         env=env, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    fields = dict(part.split("=") for part in line.split()[1:])
    return float(fields["rps"]), int(float(fields.get("requests", "0")) or 0)


def measure(process, port, run):
    before = threads(process.pid)
    started = time.time()
    rps, _ = wrk(port, DURATION, run)
    after = threads(process.pid)
    requests = rps * float(DURATION.rstrip("s"))
    cpu = {}
    for tid, (name, ticks) in after.items():
        used = ticks - before.get(tid, (name, 0))[1]
        cpu[group(name)] = cpu.get(group(name), 0) + used
    micro = {k: v / TICK / requests * 1e6 for k, v in cpu.items()}
    return rps, micro


def jobs(admin):
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/admin/jobs") as r: return json.load(r)["jobs"]


def show(micro):
    order = ["loops", "writer", "ckpt", "tasks", "plugin", "other"]
    return f"{sum(micro.values()):6.1f} µs/req (" + ", ".join(f"{k} {micro.get(k, 0):.1f}" for k in order) + ")"


rows = {"old": [], "new": []}
for round in range(1, ROUNDS + 1):
    order = ["old", "new"] if round % 2 else ["new", "old"]
    for build in order:
        binary = OLD if build == "old" else NEW
        work = tempfile.mkdtemp()
        alone = serve(binary, f"{work}/alone", 18581, 18582, False)
        with_ = serve(binary, f"{work}/with", 18583, 18584, True)
        try:
            for port in (18581, 18583): wrk(port, "2s", f"warm-{build}-{round}-{port}")
            rps_alone, cpu_alone = measure(alone, 18581, f"a-{build}-{round}-{time.time()}")
            rps_with, cpu_with = measure(with_, 18583, f"w-{build}-{round}-{time.time()}")
            time.sleep(2)
            left = jobs(18584).get("pending", 0)
            job = sum(cpu_with.values()) - sum(cpu_alone.values())
            rows[build].append((rps_with / rps_alone, job))
            print(f"round {round} {build}: alone {rps_alone:8.0f} req/s {show(cpu_alone)}")
            print(f"round {round} {build}: with  {rps_with:8.0f} req/s {show(cpu_with)}; pending 2 s after: {left}")
            print(f"round {round} {build}: with / alone {rps_with / rps_alone:.2f}×; a dispatched no-op job ≈ {job:.1f} µs of CPU")
            sys.stdout.flush()
        finally:
            for p in (alone, with_):
                p.send_signal(signal.SIGTERM)
                p.wait()
for build in ("old", "new"):
    ratios = ", ".join(f"{r:.2f}×" for r, _ in rows[build])
    costs = ", ".join(f"{c:.1f}" for _, c in rows[build])
    print(f"{build}: with / alone {ratios}; job µs {costs}")
