#!/usr/bin/env python3
"""A hostile client and a good one against a running `acuhook serve`, on loopback only.

The hostile client connects from HOSTILE_HOST (default 127.0.0.2: all of 127.0.0.0/8 is
loopback on Linux) and keeps trying to hold open:
  - slow heads: a request head sent one byte every --byte-interval seconds;
  - silent connections: nothing sent at all;
  - trickling bodies: a full head with Content-Length 100000, then one body byte every
    --byte-interval seconds.
A connection the server closes is opened again after --reopen seconds, until --duration ends.

The good client connects from 127.0.0.1 and sends a signed delivery (hmac-sha256, guide format)
every --every seconds on a new connection, timing each answer.

Prints one JSON object: per kind of hostile connection, how many were opened, how many the
server closed at once (a cap at accept: closed within 0.5 s having sent little or nothing), how
many it closed later and the longest such lifetime, how many were still open at the end; and
for the good client, how many were sent, answered 200, and the latency percentiles.
Every loop is bounded by --duration; the script stops by itself.
"""
import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import resource
import socket
import time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Kind:
    def __init__(self, name):
        self.name = name
        self.opened = 0
        self.refused_at_once = 0
        self.closed_later = 0
        self.longest_life = 0.0
        self.connect_failed = 0
        self.open_now = 0

    def summary(self):
        return {"opened": self.opened, "closed_at_once": self.refused_at_once, "closed_later": self.closed_later,
                "longest_life_s": round(self.longest_life, 2), "open_at_end": self.open_now,
                "connect_failed": self.connect_failed}


async def hold(kind, args, end, payload_head, trickle):
    """Keeps one hostile connection of `kind` open (reopening it) until `end`."""
    while time.monotonic() < end:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port, local_addr=(args.hostile_host, 0)), timeout=5)
        except Exception:
            kind.connect_failed += 1
            await asyncio.sleep(args.reopen)
            continue
        kind.opened += 1
        kind.open_now += 1
        opened = time.monotonic()
        sent = 0
        closed = asyncio.ensure_future(reader.read())  # completes at EOF or reset
        closed.add_done_callback(lambda future: future.cancelled() or future.exception())
        try:
            if trickle:
                writer.write(payload_head)
                sent = len(payload_head)
            while time.monotonic() < end and not closed.done():
                if payload_head and not trickle:
                    if sent < len(payload_head):
                        writer.write(payload_head[sent:sent + 1])
                        sent += 1
                elif trickle:
                    writer.write(b"x")
                try:
                    await writer.drain()
                except Exception:
                    break
                await asyncio.wait([closed], timeout=args.byte_interval)
        finally:
            life = time.monotonic() - opened
            kind.open_now -= 1
            if closed.done() or time.monotonic() < end:
                if life < 0.5:
                    kind.refused_at_once += 1
                else:
                    kind.closed_later += 1
                    kind.longest_life = max(kind.longest_life, life)
            else:
                kind.open_now += 1  # still open when the run ended
                closed.cancel()
            writer.close()
        if time.monotonic() < end:
            await asyncio.sleep(args.reopen)


def good_client(args, end, queue):
    """Runs in a process of its own, so that the hostile loop's load cannot delay it."""
    results = {"sent": 0, "answered": 0, "latencies": [], "failures": []}
    counter = 0
    while time.monotonic() < end:
        started = time.monotonic()
        counter += 1
        delivery = f"good-{int(time.time() * 1000)}-{counter}"
        body = json.dumps({"eventType": "Customer.Updated", "entityType": "Customer", "entityId": delivery,
                           "timestamp": "2026-12-01T10:00:00Z", "data": {"CustomerID": {"value": delivery}},
                           "metadata": {"correlationId": delivery}}, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
        head = (f"POST /webhooks/{args.source} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"X-Acumatica-Delivery: {delivery}\r\nX-Acumatica-Signature: {signature}\r\n"
                "Connection: close\r\n\r\n").encode()
        results["sent"] += 1
        try:
            with socket.create_connection((args.host, args.port), timeout=2, source_address=("127.0.0.1", 0)) as connection:
                connection.sendall(head + body)
                answer = b""
                while b"\r\n" not in answer:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
            status_line = answer.split(b"\r\n")[0]
            if status_line.split(b" ")[1:2] == [b"200"]:
                results["answered"] += 1
                results["latencies"].append(time.monotonic() - started)
            else:
                results["failures"].append(status_line.decode(errors="replace") or "closed")
        except Exception as error:
            results["failures"].append(type(error).__name__)
        time.sleep(max(0.0, args.every - (time.monotonic() - started)))
    queue.put(results)


async def main(args):
    raise_nofile()
    end = time.monotonic() + args.duration
    kinds = {name: Kind(name) for name in ("slow_head", "silent", "trickle")}
    slow_head = (f"POST /webhooks/{args.source} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + "".join(f"X-Padding-{i}: {'a' * 40}\r\n" for i in range(40)) + "\r\n").encode()
    trickle_head = (f"POST /webhooks/{args.source} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 100000\r\n\r\n").encode()
    tasks = []
    queue = multiprocessing.Queue()
    good_process = multiprocessing.Process(target=good_client, args=(args, end, queue))
    good_process.start()
    # Open the hostile connections in waves of 100 so the listener sees them arrive together.
    plan = [("slow_head", slow_head, False)] * args.slow + [("silent", b"", False)] * args.silent \
        + [("trickle", trickle_head, True)] * args.trickle
    for index, (name, head, trickle) in enumerate(plan):
        tasks.append(asyncio.ensure_future(hold(kinds[name], args, end, head, trickle)))
        if index % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.gather(*tasks, return_exceptions=True)
    good = queue.get()
    good_process.join()
    latencies = sorted(good["latencies"])

    def percentile(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else None

    print(json.dumps({
        "hostile": {name: kind.summary() for name, kind in kinds.items()},
        "good": {"sent": good["sent"], "answered": good["answered"], "p50_ms": percentile(0.5),
                 "p99_ms": percentile(0.99), "max_ms": percentile(1.0), "failures": good["failures"][:10]},
    }))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hostile-host", default="127.0.0.2")
    parser.add_argument("--source", default="erp")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--slow", type=int, default=3000)
    parser.add_argument("--silent", type=int, default=1000)
    parser.add_argument("--trickle", type=int, default=300)
    parser.add_argument("--byte-interval", type=float, default=5.0)
    parser.add_argument("--reopen", type=float, default=1.0)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--duration", type=float, default=30.0)
    asyncio.run(main(parser.parse_args()))
