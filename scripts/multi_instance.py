#!/usr/bin/env python3
"""The two-instance run of scripts/multi-instance.sh (which finds the binaries and the database):
arguments BINARY PLUGIN WORK DATABASE_URL.

Every server it starts is recorded in WORK/pids, so the script that ran it can stop them by PID.
"""
import hashlib, hmac, json, os, random, socket, subprocess, sys, threading, time, urllib.error, urllib.request, uuid
binary, plugin, work, database = sys.argv[1:5]
random.seed(int(os.environ.get("SEED", "15")))
secret = "multi-secret"
output = os.path.join(work, "customers.jsonl")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

class Instance:
    def __init__(self, name, url):
        self.name, self.port, self.admin = name, free_port(), free_port()
        self.config = os.path.join(work, f"{name}.yaml")
        with open(self.config, "w") as f:
            f.write(f"""server: {{host: 127.0.0.1, port: {self.port}, shutdown_grace: 1s}}
admin: {{port: {self.admin}}}
store: {{url: "{url}"}}
sources:
  - name: erp
    auth: {{scheme: hmac-sha256, secrets: [{secret}]}}
dispatch:
  lease: 3s
  idle_poll: 200ms
  retry: {{base_delay: 50ms, max_delay: 200ms, max_attempts: 20, jitter: none}}
plugins:
  - path: {plugin}
    config: {{output: {output}}}
    ordered: true
    timeout: 2s
""")
        self.log = open(os.path.join(work, f"{name}.log"), "ab")
        self.process = subprocess.Popen([binary, "serve", "--config", self.config, "--log-level", "notice"], stdout=self.log, stderr=self.log)
        with open(os.path.join(work, "pids"), "a") as pids:
            pids.write(f"{self.process.pid}\n")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise SystemExit(f"multi-instance: instance {name} did not start:\n" + open(os.path.join(work, f"{name}.log")).read())

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}{path}", timeout=10) as r:
            return json.load(r)

def post(instance, delivery, entity, stamp):
    body = json.dumps({"eventType": "Customer.Updated", "entityType": "Customer", "entityId": entity, "timestamp": stamp,
                       "data": {"CustomerID": {"value": entity}}, "metadata": {"correlationId": delivery}}, separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"http://127.0.0.1:{instance.port}/webhooks/erp", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Acumatica-Delivery": delivery, "X-Acumatica-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)

def stamp(n):
    # ISO 8601, one second apart: the guide format's ordering key, unique per delivery here.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_796_000_000 + n))

def drained(instance, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = instance.get("/admin/jobs")["jobs"]
        if jobs.get("pending", 0) + jobs.get("running", 0) == 0:
            return jobs
        time.sleep(0.5)
    raise SystemExit(f"multi-instance: jobs still waiting after {timeout}s: {jobs}")

def calls():
    counted, order = {}, {}
    with open(output) as f:
        for line in f:
            record = json.loads(line)
            counted[record["lastModified"]] = counted.get(record["lastModified"], 0) + 1
            order.setdefault(record["id"], []).append(record["lastModified"])
    return counted, order

failures = []
def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)

# 1. Normal case.
base = f"postgres-{uuid.uuid4().hex[:8]}"
url1 = database + ("&" if "?" in database else "?") + "schema=m" + uuid.uuid4().hex[:12]
a, b = Instance("a", url1), Instance("b", url1)
instances = [a, b]
sent = {}
lock = threading.Lock()
def send_entity(entity, numbers):
    for i, n in enumerate(numbers):
        delivery = f"{base}-{n}"
        status, _ = post(instances[i % 2], delivery, f"E{entity}", stamp(n))
        assert status == 200, status
        with lock: sent[delivery] = stamp(n)
threads = [threading.Thread(target=send_entity, args=(e, range(e, 400, 20))) for e in range(20)]
for t in threads: t.start()
for t in threads: t.join()
twins = {}
def twin(n):
    delivery, results = f"{base}-twin-{n}", []
    def one(instance): results.append(post(instance, delivery, f"T{n}", stamp(10_000 + n)))
    pair = [threading.Thread(target=one, args=(i,)) for i in instances]
    for t in pair: t.start()
    for t in pair: t.join()
    twins[delivery] = results
for n in range(50): twin(n)
jobs = drained(a)
counted, order = calls()
check(all(status == 200 for r in twins.values() for status, _ in r), "every twin answered 200 by both instances")
duplicated = [d for d, r in twins.items() if sorted(body.get("duplicate", False) for _, body in r) != [False, True]]
check(not duplicated, f"each of 50 deliveries sent to both instances at once stored once, the other answer a duplicate ({len(duplicated)} not)")
check(jobs.get("done", 0) == 450, f"450 jobs done in the shared store (found {jobs})")
expected = set(sent.values()) | {stamp(10_000 + n) for n in range(50)}
check(set(counted) == expected and all(v == 1 for v in counted.values()),
      f"each of 450 events handed to the plugin exactly once (calls {sum(counted.values())}, distinct {len(counted)})")
unordered = [e for e, stamps in order.items() if stamps != sorted(stamps)]
check(not unordered, f"each of 20 entities' events ran in timestamp order across both instances ({len(unordered)} out of order)")
for i in instances: i.process.terminate()
for i in instances: i.process.wait()
open(output, "w").close()

# 2. SIGKILL one instance mid-load.
url2 = database + ("&" if "?" in database else "?") + "schema=m" + uuid.uuid4().hex[:12]
a, b = Instance("a2", url2), Instance("b2", url2)
live = [a, b]
answered, stop, counter = set(), threading.Event(), iter(range(10**9))
def sender(k):
    unanswered = []
    while not stop.is_set() or unanswered:
        if unanswered:
            n = unanswered.pop(0)
        elif stop.is_set():
            break
        else:
            n = next(counter)
        target = live[(n + len(unanswered)) % len(live)]
        try:
            status, _ = post(target, f"kill-{n}", f"K{n % 50}", stamp(n))
            if status == 200:
                with lock: answered.add(stamp(n))
                continue
        except (urllib.error.URLError, OSError, ConnectionError):
            pass
        unanswered.append(n)  # no answer: resend, to whichever instance is up
        time.sleep(0.05)
senders = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
for t in senders: t.start()
time.sleep(random.uniform(2.0, 3.0))
# Kill A while it holds claimed jobs: freeze it, look in the database for running jobs it claimed
# (jobs.claimed_by is host:pid), and try again a moment later if it holds none.
psql = [os.path.join(os.environ.get("ACUHOOK_PG_BIN", "/usr/bin"), "psql"), "-X", "-At", database]
def held_by(instance):
    claimed_by = f"{socket.gethostname()}:{instance.process.pid}"
    out = subprocess.run(psql + ["-c", f"SELECT id FROM {url2.rsplit('schema=', 1)[1]}.jobs WHERE state = 'running' AND claimed_by = '{claimed_by}'"],
                         capture_output=True, text=True, check=True).stdout
    return [int(line) for line in out.split() if line.strip().isdigit()]
orphans = []
for _ in range(100):
    a.process.send_signal(19)  # SIGSTOP
    orphans = held_by(a)
    if orphans:
        break
    a.process.send_signal(18)  # SIGCONT
    time.sleep(0.05)
a.process.kill()
a.process.wait()
live.remove(a)
time.sleep(2.0)
stop.set()
for t in senders: t.join()
jobs = drained(b)
counted, _ = calls()
lost = sorted(answered - set(counted))
duplicates = sum(n - 1 for n in counted.values() if n > 1)
rescues = open(os.path.join(work, "b2.log")).read().count("lease expired are back in the queue")
print(f"sigkill: answered {len(answered)}; dispatched {len(set(counted) & answered)}; dead {jobs.get('dead', 0)}; "
      f"duplicate calls {duplicates}; lost {len(lost)}; jobs A held when killed {len(orphans)}; B's lease rescues {rescues}")
check(not lost, f"every delivery answered 200 was dispatched ({len(answered)} answered, lost {len(lost)}: {lost[:5]})")
states = subprocess.run(psql + ["-c", f"SELECT DISTINCT state FROM {url2.rsplit('schema=', 1)[1]}.jobs WHERE id IN ({','.join(map(str, orphans)) or '0'})"], capture_output=True, text=True, check=True).stdout.split()
check(bool(orphans) and rescues > 0 and states == ["done"],
      f"the {len(orphans)} jobs A had claimed were returned by B's rescuer after their lease and done (now: {states})")
b.process.terminate()
b.process.wait()
if failures:
    print(f"multi-instance: {len(failures)} check(s) failed")
    sys.exit(1)
print("multi-instance: all checks passed")
