#!/usr/bin/env python3
"""Writes a store as a release of Acuhook leaves it, for the upgrade test
(Tests/AcuhookCLITests/StoreUpgradeTests.swift), which opens every `acuhook-<version>.db` here with
the current build. Run it once per release whose schema later changes, with that release's build:

    Tests/Fixtures/stores/make_store.py .build/debug/acuhook Tests/Fixtures/stores/acuhook-0.1.0.db

What the store holds (the test checks each):
  - 3 StockItem.Updated deliveries whose stock-log jobs are pending behind its breaker, held open
    (`acuhook breaker open stock-log`): no attempt spent;
  - 1 dead letter: order-threshold rejected a SalesOrder.Inserted without a numeric OrderTotal;
  - 2 runtime overrides: the held breaker, and customer-sync no longer receiving Customer.Deleted.
The store is taken with `acuhook store backup`, so it is one self-contained file.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def main() -> None:
    binary, output = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    build = os.path.dirname(binary)
    work = tempfile.mkdtemp(prefix="acuhook-fixture-store-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = os.path.join(work, "acuhook.yaml")
    with open(config, "w") as file:
        file.write(f"""server: {{host: 127.0.0.1, port: {port}}}
admin: {{enabled: false}}
store: {{path: {work}/acuhook.db}}
sources:
  - name: erp
    auth: {{scheme: hmac-sha256, secrets: [cli-secret]}}
dispatch: {{idle_poll: 50ms}}
plugins:
  - path: {build}/libStockLog.so
    config: {{path: {work}/stock.tsv}}
  - path: {build}/libOrderThreshold.so
    config: {{order_total: 1000}}
  - path: {build}/libCustomerSync.so
    config: {{output: {work}/customers.jsonl}}
""")

    def acuhook(*arguments: str) -> str:
        result = subprocess.run([binary, *arguments], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            sys.exit(f"make_store: acuhook {' '.join(arguments)}: {result.stdout}{result.stderr}")
        return result.stdout

    url = f"http://127.0.0.1:{port}/webhooks/erp"
    acuhook("breaker", "open", "stock-log", "--config", config)
    acuhook("plugins", "disable", "customer-sync", "--event", "Customer.Deleted", "--config", config)
    server = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.time() > deadline:
                sys.exit("make_store: acuhook serve did not start")
            time.sleep(0.1)
        for index in range(1, 4):
            acuhook("send", "StockItem.Updated", "--config", config, "--url", url, "--entity-id", f"ITEM-{index}", "--delivery-id", f"stock-{index}")
        body = os.path.join(work, "order.json")
        with open(body, "w") as file:
            json.dump({"eventType": "SalesOrder.Inserted", "entityType": "SalesOrder", "entityId": "SO-BAD",
                       "data": {"OrderNbr": {"value": "SO-BAD"}, "OrderTotal": {"value": "not a number"}}}, file)
        acuhook("send", "--file", body, "--config", config, "--url", url, "--delivery-id", "order-bad")
        deadline = time.time() + 30
        while "SO-BAD" not in acuhook("dlq", "list", "--config", config):
            if time.time() > deadline:
                sys.exit("make_store: the rejected order never reached the dead-letter queue")
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=60)
    if os.path.exists(output):
        os.remove(output)
    acuhook("store", "backup", output, "--config", config)
    print(f"wrote {output} with {binary} ({acuhook('--version').splitlines()[0]})")


if __name__ == "__main__":
    main()
