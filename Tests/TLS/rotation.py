#!/usr/bin/env python3
"""Certificate rotation against a running `acuhook serve` with server.tls, on loopback.

Holds one kept-alive HTTPS connection open throughout and asks GET /health on it at each step;
reads the served certificate's serial with `openssl s_client` on new connections:
  1. as started;
  2. after the certificate and key files are replaced by NEXT's (no signal: the file watcher);
  3. after they are put back to FIRST's and the process gets SIGHUP (read at once);
  4. after the key alone is replaced by a key that does not match (SIGHUP): refused, the
     previous certificate still served, and GET /ready names the failure in its details.
Prints one JSON object with each step's serial and the kept-alive connection's statuses.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import time


def serial(port):
    out = subprocess.run(f"openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null | openssl x509 -noout -serial",
                         shell=True, capture_output=True, text=True).stdout.strip()
    return out.removeprefix("serial=").lower()


def replace(source, target):
    """Writes `target` whole, the way a renewal tool does: a new file renamed over the old."""
    shutil.copyfile(source, target + ".new")
    os.replace(target + ".new", target)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--dir", required=True, help="holds cert.pem/key.pem (served), cert-first/-next.pem, key-first/-next/-other.pem")
    args = parser.parse_args()
    served_cert, served_key = os.path.join(args.dir, "cert.pem"), os.path.join(args.dir, "key.pem")
    context = ssl._create_unverified_context()
    kept = http.client.HTTPSConnection("127.0.0.1", args.port, context=context, timeout=5)

    def ask():
        kept.request("GET", "/health")
        response = kept.getresponse()
        response.read()
        return response.status

    result = {"kept_alive": [ask()], "serials": {"start": serial(args.port)}}
    replace(os.path.join(args.dir, "cert-next.pem"), served_cert)
    replace(os.path.join(args.dir, "key-next.pem"), served_key)
    started = time.monotonic()
    while serial(args.port) == result["serials"]["start"] and time.monotonic() - started < 15:
        time.sleep(0.2)
    result["serials"]["files_replaced"] = serial(args.port)
    result["watcher_seconds"] = round(time.monotonic() - started, 1)
    result["kept_alive"].append(ask())

    replace(os.path.join(args.dir, "cert-first.pem"), served_cert)
    replace(os.path.join(args.dir, "key-first.pem"), served_key)
    os.kill(args.pid, signal.SIGHUP)
    time.sleep(0.3)
    result["serials"]["sighup"] = serial(args.port)
    result["kept_alive"].append(ask())

    replace(os.path.join(args.dir, "key-other.pem"), served_key)
    os.kill(args.pid, signal.SIGHUP)
    time.sleep(0.3)
    result["serials"]["mismatched_key"] = serial(args.port)
    result["kept_alive"].append(ask())
    fresh = http.client.HTTPSConnection("127.0.0.1", args.port, context=context, timeout=5)
    fresh.request("GET", "/ready")
    result["ready"] = json.loads(fresh.getresponse().read())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
