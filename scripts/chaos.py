#!/usr/bin/env python3
"""The chaos run of scripts/chaos.sh (which finds the binaries): arguments BINARY PLUGIN WORK KILLS.

Every server it starts is recorded in WORK/pids, so the script that ran it can stop them by PID.
"""
import hashlib, hmac, json, os, random, socket, subprocess, sys, threading, time, urllib.error, urllib.request
binary, plugin, work, kills = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
random.seed(int(os.environ.get("SEED", "12")))
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
port, admin = free_port(), free_port()
secret = "chaos-secret"
config = os.path.join(work, "acuhook.yaml")
with open(config, "w") as f:
    f.write(f"""server: {{host: 127.0.0.1, port: {port}, shutdown_grace: 1s}}
admin: {{port: {admin}}}
store: {{path: {work}/store/acuhook.db}}
sources:
  - name: erp
    auth: {{scheme: hmac-sha256, secrets: [{secret}]}}
dispatch:
  lease: 3s
  idle_poll: 50ms
  retry: {{base_delay: 50ms, max_delay: 200ms, max_attempts: 20, jitter: none}}
plugins:
  - path: {plugin}
    config: {{output: {work}/customers.jsonl}}
    timeout: 1s
""")
log = open(os.path.join(work, "serve.log"), "ab")
server = None
def start():
    global server
    server = subprocess.Popen([binary, "serve", "--config", config, "--log-level", "warning"], stdout=log, stderr=log)
    with open(os.path.join(work, "pids"), "a") as pids:
        pids.write(f"{server.pid}\n")
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("chaos: the server did not start")

answered, lock, stop = set(), threading.Lock(), threading.Event()
counter = iter(range(10**9))
def post(delivery):
    body = json.dumps({"eventType": "Customer.Updated", "entityType": "Customer", "entityId": delivery,
                       "timestamp": "2026-12-01T10:00:00Z", "data": {"CustomerID": {"value": delivery}},
                       "metadata": {"correlationId": delivery}}, separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/erp", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Acumatica-Delivery": delivery, "X-Acumatica-Signature": signature})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status
def sender():
    unanswered = []
    while not stop.is_set() or unanswered:
        delivery = unanswered.pop(0) if unanswered else (None if stop.is_set() else f"c-{next(counter)}")
        if delivery is None:
            break
        try:
            if post(delivery) == 200:
                with lock: answered.add(delivery)
                continue
        except (urllib.error.URLError, OSError, ConnectionError):
            pass
        unanswered.append(delivery)  # no answer: resend later, as Acumatica does
        time.sleep(0.05)

start()
threads = [threading.Thread(target=sender) for _ in range(4)]
for t in threads: t.start()
for k in range(kills):
    time.sleep(random.uniform(0.5, 2.0))
    server.kill()
    server.wait()
    start()
time.sleep(1)
stop.set()
for t in threads: t.join()

def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}{path}", timeout=5) as r:
        return json.load(r)
deadline = time.time() + 180
while time.time() < deadline:
    jobs = get("/admin/jobs")["jobs"]
    if jobs.get("pending", 0) + jobs.get("running", 0) == 0:
        break
    time.sleep(0.5)
dead = {letter["event"]["entity_id"] for letter in get("/admin/dlq?limit=10000")["dead_letters"]}
calls = {}
with open(os.path.join(work, "customers.jsonl")) as f:
    for line in f:
        ident = json.loads(line)["id"]
        calls[ident] = calls.get(ident, 0) + 1
server.terminate()
server.wait()
lost = sorted(answered - set(calls) - dead)
duplicates = sum(n - 1 for n in calls.values() if n > 1)
print(f"kills {kills}; answered {len(answered)}; dispatched {len(set(calls) & answered)}; dead {len(dead & answered)}; "
      f"duplicate calls {duplicates}; lost {len(lost)}")
if lost:
    print("lost:", lost[:20])
    sys.exit(1)
