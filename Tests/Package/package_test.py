#!/usr/bin/env python3
"""The package, installed for real: run by .ci/run after scripts/package.sh (as root).

    package_test.py dist/acuhook_<version>_amd64.deb dist/acuhook-<version>-linux-x86_64.tar.gz

1. Lintian (kept tags overridden and explained in packaging/README.md) and
   `systemd-analyze verify` on the unit.
2. `apt-get install ./…deb`: layout, system user, no toolchain path in `ldd /usr/bin/acuhook`.
3. `acuhook check` on the conffile (0), on a broken copy (2, file:line:col) and as JSON.
4. `acuhook serve` as the acuhook user with no toolchain on PATH and no LD_LIBRARY_PATH, told
   NOTIFY_SOCKET: READY=1 arrives; a push notification and a signed webhook reach the example
   plugins' files; `store backup` while deliveries are being written; `store restore` refused while
   serving, STOPPING=1 on SIGTERM, then restore works and the backup's deliveries are there.
5. `acuhook new-plugin` from /usr/share/acuhook, built with this toolchain, loads in the
   installed host.
6. The same package under a higher version installed over it keeps configuration, store and
   secrets. Remove keeps /etc/acuhook and /var/lib/acuhook and nothing else; purge leaves
   nothing at all (a file-system listing before and after).
7. The tarball under a temporary prefix: serve, deliver, see the plugin's output.
Each step prints what it showed; the first failure stops with a message and exit status 1.
"""
import hashlib
import hmac
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
STATE, CONF = "/var/lib/acuhook", "/etc/acuhook/acuhook.yaml"
PUSH = {"Inserted": [{"InventoryID": "WIDGET01", "ItemStatus": "Active"}], "Deleted": [], "Query": "Stock Items",
        "CompanyId": "T", "Id": "", "TimeStamp": 638465233453014192, "AdditionalInfo": {}}


def fail(message: str) -> None:
    print(f"package test: FAILED: {message}", flush=True)
    sys.exit(1)


def run(*command: str, check: bool = True, env: dict | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=900)
    if check and result.returncode != 0:
        fail(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def as_acuhook(*command: str, env: dict | None = None) -> list[str]:
    """`command` as the acuhook user, with nothing in the environment but PATH=/usr/bin:/bin."""
    variables = {**CLEAN_ENV, **(env or {})}
    # setpriv execs (runuser would stand between, and answer SIGTERM itself).
    return ["setpriv", "--reuid=acuhook", "--regid=acuhook", "--init-groups", "env", "-i", *[f"{k}={v}" for k, v in variables.items()], *command]


def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def push(url: str, secret: str, transaction: str) -> None:
    status, text = post(url, json.dumps({**PUSH, "Id": transaction}).encode(), {"X-Acuhook-Secret": secret})
    if status != 200:
        fail(f"push notification answered {status}: {text}")


def signed(url: str, secret: str, delivery: str) -> None:
    body = json.dumps({"eventType": "Customer.Updated", "entityType": "Customer", "entityId": "C1",
                       "data": {"CustomerID": {"value": "C1"}, "Status": {"value": "Active"}}}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    status, text = post(url, body, {"X-Acumatica-Signature": signature, "X-Acumatica-Event": "Customer.Updated", "X-Acumatica-Delivery": delivery})
    if status != 200:
        fail(f"signed webhook answered {status}: {text}")


def wait_for(what: str, predicate, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def lines(path: str) -> int:
    try:
        with open(path) as file:
            return sum(1 for _ in file)
    except FileNotFoundError:
        return 0


def deliveries(store: str) -> int:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM deliveries").fetchone()[0]


class Notifications:
    """A NOTIFY_SOCKET that records what the service tells systemd."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, "notify.sock")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)
        os.chmod(folder, 0o755)
        os.chmod(self.path, 0o777)
        self.socket.settimeout(0.2)
        self.messages: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                self.messages.append(self.socket.recv(4096).decode())
            except socket.timeout:
                continue
            except OSError:
                return

    def saw(self, text: str) -> bool:
        return any(text in message for message in self.messages)


def file_system() -> set[str]:
    """Every path under the folders a package may touch, but the package manager's own records."""
    skip = ("/var/lib/dpkg", "/var/lib/apt", "/var/cache", "/var/log", "/var/lib/ucf", "/var/lib/man-db")
    found = set()
    for top in ("/usr", "/etc", "/var", "/lib", "/opt"):
        for folder, folders, files in os.walk(top):
            if folder.startswith(skip):
                folders[:] = []
                continue
            found.update(os.path.join(folder, name) for name in folders + files)
    return found


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        fail("acuhook serve did not stop within 60 s of SIGTERM")
    if process.returncode != 0:
        fail(f"acuhook serve exited {process.returncode} on SIGTERM:\n{output}")
    return output


def lint(deb: str) -> None:
    tags = [line for line in run("lintian", "--tag-display-limit", "0", deb, check=False).stdout.splitlines() if line[:2] in ("E:", "W:")]
    if tags:
        fail("lintian tags not explained in packaging/README.md:\n" + "\n".join(tags))
    print("ok lintian: no error or warning beyond the overrides packaging/README.md explains")


def install(deb: str) -> None:
    run("apt-get", "install", "-y", "-q", os.path.abspath(deb), env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    for path in ["/usr/bin/acuhook", "/usr/lib/acuhook/libswiftCore.so", "/usr/lib/acuhook/plugins/libStockLog.so",
                 "/usr/share/acuhook/acuhook_plugin.h", "/usr/share/acuhook/PluginTemplate/Package.swift",
                 "/usr/share/acuhook/prometheus-alerts.yaml", "/usr/share/man/man1/acuhook.1.gz",
                 "/usr/share/bash-completion/completions/acuhook", "/usr/share/zsh/vendor-completions/_acuhook",
                 "/usr/share/fish/vendor_completions.d/acuhook.fish", CONF, "/lib/systemd/system/acuhook.service", STATE + "/plugins"]:
        if not os.path.exists(path):
            fail(f"{path} is not installed")
    if run("stat", "-c", "%U:%G %a", STATE).stdout.strip() != "acuhook:acuhook 750":
        fail(f"{STATE} is not acuhook:acuhook 0750")
    linked = run("ldd", "/usr/bin/acuhook", env=CLEAN_ENV).stdout
    if "not found" in linked or "/opt/swift" in linked or "usr/lib/swift" in linked:
        fail(f"ldd /usr/bin/acuhook names the toolchain or misses a library:\n{linked}")
    version = run(*as_acuhook("/usr/bin/acuhook", "--version")).stdout
    if "Swift version" not in version:
        fail(f"acuhook --version does not name the Swift compiler: {version}")
    run("systemd-analyze", "verify", "/lib/systemd/system/acuhook.service")
    exposure = run("systemd-analyze", "security", "--offline=true", "/lib/systemd/system/acuhook.service", check=False).stdout.strip().splitlines()
    print(f"ok installed: layout, user, ldd without the toolchain, {version.splitlines()[-1]}; "
          f"systemd-analyze verify clean; {exposure[-1] if exposure else ''}")


def variant(work: str, name: str, old: str, new: str) -> str:
    """A copy of the packaged configuration with `old` replaced by `new`, readable by acuhook."""
    path = os.path.join(work, name)
    with open(CONF) as source, open(path, "w") as target:
        target.write(source.read().replace(old, new))
    os.chmod(path, 0o644)
    return path


def check_command(work: str) -> None:
    good = run(*as_acuhook("/usr/bin/acuhook", "check", "--config", CONF, "--json"), check=False)
    document = json.loads(good.stdout)
    if good.returncode != 0 or not document["ok"]:
        fail(f"acuhook check on the packaged configuration: {good.stdout}{good.stderr}")
    broken = variant(work, "broken.yaml", "port: 8080", "port: eighty")
    bad = run(*as_acuhook("/usr/bin/acuhook", "check", "--config", broken), check=False)
    if bad.returncode != 2 or f"{broken}:" not in bad.stdout or "server.port" not in bad.stdout:
        fail(f"acuhook check on a broken file exited {bad.returncode}: {bad.stdout}{bad.stderr}")
    missing = variant(work, "missing-plugin.yaml", "libStockLog.so", "libNoSuchPlugin.so")
    plugin = run(*as_acuhook("/usr/bin/acuhook", "check", "--config", missing), check=False)
    if plugin.returncode != 1 or "libNoSuchPlugin.so" not in plugin.stdout:
        fail(f"acuhook check with a missing plugin exited {plugin.returncode}: {plugin.stdout}")
    print(f"ok acuhook check: 0 on the conffile ({len(document['checks'])} checks), 2 with file:line:col on a broken file, 1 on a missing plugin")


def serve_and_back_up(work: str) -> None:
    notify = Notifications(work)
    # As the unit runs it, as far as can be without systemd: the acuhook user, no new privileges;
    # the StockLog example in worker processes (spawned from the same binary).
    with open(CONF) as file:
        text = file.read()
    with open(CONF, "w") as file:
        file.write(text.replace("config: {path: /var/lib/acuhook/stock.tsv}", "config: {path: /var/lib/acuhook/stock.tsv}\n    isolation: process"))
    server = subprocess.Popen(["setpriv", "--no-new-privs", *as_acuhook("/usr/bin/acuhook", "serve", "--config", CONF, env={"NOTIFY_SOCKET": notify.path})],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=STATE)
    wait_for("READY=1 on NOTIFY_SOCKET", lambda: notify.saw("READY=1") or server.poll() is not None)
    if server.poll() is not None:
        fail(f"acuhook serve exited {server.returncode}:\n{server.stdout.read()}")
    push_secret = open(f"{STATE}/secrets/push").read().strip()
    hmac_secret = open(f"{STATE}/secrets/acumatica").read().strip()
    workers = run("pgrep", "-f", "acuhook plugin-worker", check=False).stdout.split()
    if not workers:
        fail("no plugin-worker process runs for the isolated StockLog")
    if run("stat", "-c", "%U %a", f"{STATE}/secrets/push").stdout.strip() != "acuhook 600":
        fail("the generated secret is not acuhook's with mode 0600")
    push("http://127.0.0.1:8080/webhooks/push", push_secret, "first")
    signed("http://127.0.0.1:8080/webhooks/acumatica", hmac_secret, "guide-1")
    # The README's quick start: what an operator types on the server.
    for command in (["send", "--push-notification", "--config", CONF, "--source", "push"],
                    ["send", "Customer.Updated", "--config", CONF, "--source", "acumatica"]):
        sent = run("/usr/bin/acuhook", *command, env=CLEAN_ENV)
        if '"received":true' not in sent.stdout:
            fail(f"acuhook {' '.join(command)}: {sent.stdout}")
    run("/usr/bin/acuhook", "status", env=CLEAN_ENV, cwd=STATE)
    wait_for("the StockLog plugin's line", lambda: lines(f"{STATE}/stock.tsv") >= 1)
    wait_for("the CustomerSync plugin's line", lambda: lines(f"{STATE}/customers.jsonl") >= 1)
    # A backup while deliveries are being written.
    writing = threading.Event()
    def writer() -> None:
        for index in range(300):
            push("http://127.0.0.1:8080/webhooks/push", push_secret, f"during-backup-{index}")
            if index == 20:
                writing.set()
    thread = threading.Thread(target=writer)
    thread.start()
    writing.wait(30)
    backup = os.path.join(work, "backup.db")
    os.chmod(work, 0o777)
    run(*as_acuhook("/usr/bin/acuhook", "store", "backup", backup, "--config", CONF))
    thread.join()
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as db:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            fail("the backup taken while writing is not intact")
    in_backup = deliveries(backup)
    if not 20 <= in_backup <= 302:
        fail(f"the backup has {in_backup} deliveries; between 22 and 302 were stored when it was taken")
    refused = run(*as_acuhook("/usr/bin/acuhook", "store", "restore", backup, "--config", CONF), check=False)
    if refused.returncode == 0 or "open in another process" not in refused.stderr:
        fail(f"store restore while serving was not refused: {refused.returncode} {refused.stdout}{refused.stderr}")
    stop(server)
    if not notify.saw("STOPPING=1"):
        fail(f"no STOPPING=1 on SIGTERM: {notify.messages}")
    before = deliveries(f"{STATE}/acuhook.db")
    restored = run(*as_acuhook("/usr/bin/acuhook", "store", "restore", backup, "--config", CONF)).stdout
    after = deliveries(f"{STATE}/acuhook.db")
    if after != in_backup or "before-restore" not in restored:
        fail(f"after restore the store has {after} deliveries (backup {in_backup}): {restored}")
    print(f"ok serve without toolchain, as acuhook with no new privileges: READY=1, {len(workers)} plugin worker(s), push and signed webhook (and `acuhook send`, `status`) reached the example plugins; backup while "
          f"writing holds {in_backup} of {before} deliveries, intact; restore refused while serving, STOPPING=1, then restored")


def new_plugin(work: str) -> None:
    folder = os.path.join(work, "inventory-sync")
    created = run("/usr/bin/acuhook", "new-plugin", "inventory-sync", "--output", folder).stdout
    build_env = {**os.environ}
    run("swift", "build", "-c", "release", cwd=folder, env=build_env)
    library = os.path.join(folder, ".build/release/libInventorySync.so")
    shutil.copy(library, f"{STATE}/plugins/libInventorySync.so")
    checked = run(*as_acuhook("/usr/bin/acuhook", "plugins", "check", f"{STATE}/plugins/libInventorySync.so"), check=False)
    if checked.returncode != 0 or "inventory-sync" not in checked.stdout:
        fail(f"a plugin built from /usr/share/acuhook/PluginTemplate does not load: {created}\n{checked.stdout}{checked.stderr}")
    listed = run(*as_acuhook("/usr/bin/acuhook", "check", "--config", CONF, "--skip-ports"), check=False)
    if listed.returncode != 0 or "inventory-sync" not in listed.stdout:
        fail(f"acuhook check does not load the plugins folder's plugin: {listed.stdout}")
    os.remove(f"{STATE}/plugins/libInventorySync.so")
    print("ok new-plugin from /usr/share/acuhook: built with this toolchain, loads in the installed host (plugins check, check)")


def upgrade(deb: str, work: str) -> None:
    with open(CONF, "a") as file:
        file.write("# kept across upgrades\n")
    secrets = {name: open(f"{STATE}/secrets/{name}").read() for name in ("push", "acumatica")}
    stored = deliveries(f"{STATE}/acuhook.db")
    unpacked, newer = os.path.join(work, "newer"), os.path.join(work, "acuhook_newer.deb")
    run("dpkg-deb", "-R", deb, unpacked)
    control = os.path.join(unpacked, "DEBIAN/control")
    text = open(control).read()
    version = next(line.split(": ")[1] for line in text.splitlines() if line.startswith("Version: "))
    open(control, "w").write(text.replace(f"Version: {version}", f"Version: {version}+ci1"))
    run("dpkg-deb", "--root-owner-group", "-b", unpacked, newer)
    install(newer)
    if run("dpkg-query", "-W", "-f", "${Version}", "acuhook").stdout != f"{version}+ci1":
        fail("the newer package is not the one installed")
    if "# kept across upgrades" not in open(CONF).read():
        fail("the upgrade replaced the changed configuration")
    if {name: open(f"{STATE}/secrets/{name}").read() for name in secrets} != secrets:
        fail("the upgrade changed the secrets")
    if deliveries(f"{STATE}/acuhook.db") != stored:
        fail("the upgrade changed the store")
    print(f"ok upgrade {version} → {version}+ci1: configuration change, secrets and {stored} deliveries kept")


def remove_and_purge(before: set[str]) -> None:
    run("apt-get", "remove", "-y", "-q", "acuhook", env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    left = sorted(file_system() - before)
    outside = [path for path in left if not path.startswith(("/etc/acuhook", STATE, "/etc/systemd/system", "/var/lib/systemd/deb-systemd-helper"))]
    if outside or not os.path.exists(CONF) or not os.path.exists(f"{STATE}/acuhook.db"):
        fail(f"after remove, expected only /etc/acuhook and {STATE} (kept), found outside: {outside[:20]}")
    run("apt-get", "purge", "-y", "-q", "acuhook", env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    left = sorted(file_system() - before)
    if left:
        fail(f"after purge these remain: {left[:30]}")
    print(f"ok remove kept /etc/acuhook and {STATE} only ({len([p for p in outside])} other paths); purge left nothing")


def tarball(archive: str, work: str) -> None:
    prefix = os.path.join(work, "prefix")
    os.makedirs(prefix)
    run("tar", "-C", prefix, "--strip-components=1", "-xzf", archive)
    data = os.path.join(work, "tar-data")
    config = os.path.join(work, "tar.yaml")
    with open(config, "w") as file:
        file.write(f"""server: {{host: 127.0.0.1, port: 18480}}
admin: {{enabled: false}}
store: {{path: {data}/acuhook.db}}
sources:
  - name: push
    format: push-notification
    auth: {{scheme: header-secret, header: X-Acuhook-Secret, secret: "${{secret:{data}/secrets/push}}"}}
    push_routes: {{"Stock Items": {{entity: StockItem, keys: [InventoryID]}}}}
plugins:
  - path: {prefix}/lib/acuhook/plugins/libStockLog.so
    config: {{path: {data}/stock.tsv}}
""")
    linked = run("ldd", f"{prefix}/bin/acuhook", env=CLEAN_ENV).stdout
    if "not found" in linked or "/opt/swift" in linked:
        fail(f"ldd of the tarball's binary: {linked}")
    run(f"{prefix}/bin/acuhook", "check", "--config", config, env=CLEAN_ENV)
    server = subprocess.Popen([f"{prefix}/bin/acuhook", "serve", "--config", config], env=CLEAN_ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for("the tarball's receiver", lambda: os.path.exists(f"{data}/secrets/push") and port_open(18480) or server.poll() is not None)
    if server.poll() is not None:
        fail(f"the tarball's acuhook serve exited: {server.stdout.read()}")
    push("http://127.0.0.1:18480/webhooks/push", open(f"{data}/secrets/push").read().strip(), "tarball-1")
    wait_for("the tarball's StockLog line", lambda: lines(f"{data}/stock.tsv") >= 1)
    stop(server)
    template = run(f"{prefix}/bin/acuhook", "new-plugin", "from-tarball", "--output", os.path.join(work, "from-tarball"), env=CLEAN_ENV).stdout
    print(f"ok tarball under {prefix}: check, serve, push reached StockLog; new-plugin finds its template ({template.splitlines()[0]})")


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    deb, archive = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        fail("run as root: it installs and purges the package")
    run("apt-get", "purge", "-y", "-q", "acuhook", check=False)
    work = tempfile.mkdtemp(prefix="acuhook-package-")
    os.chmod(work, 0o755)
    try:
        lint(deb)
        # Its dependencies first, so that the listing before holds what they install.
        depends = [name.split()[0] for name in run("dpkg-deb", "-f", deb, "Depends").stdout.split(",")]
        run("apt-get", "install", "-y", "-q", "--no-install-recommends", *depends, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        before = file_system()
        install(deb)
        check_command(work)
        serve_and_back_up(work)
        new_plugin(work)
        upgrade(deb, work)
        remove_and_purge(before)
        tarball(archive, work)
    finally:
        run("apt-get", "purge", "-y", "-q", "acuhook", check=False)
        shutil.rmtree(work, ignore_errors=True)
    print("package test: passed")


if __name__ == "__main__":
    main()
