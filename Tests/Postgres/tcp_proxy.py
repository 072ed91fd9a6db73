"""A TCP proxy the PostgreSQL tests cut to simulate losing the database: listens on 127.0.0.1
at the port given, forwards every connection to the target, and exits (dropping every
connection) on SIGTERM. Started again on the same port, the database is back.

    python3 tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT
"""
import signal, socket, sys, threading

listen_port, target_host, target_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen_port))
server.listen(64)
# accept() wakes up every 0.2 s: SIGTERM may land on a pump thread, and Python runs its
# handler only in the main thread, between calls.
server.settimeout(0.2)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
# A test process may hand down a mask that blocks SIGTERM.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
print("listening", flush=True)

def pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

while True:
    try:
        client, _ = server.accept()
    except socket.timeout:
        continue
    client.settimeout(None)
    upstream = socket.create_connection((target_host, target_port))
    for a, b in ((client, upstream), (upstream, client)):
        threading.Thread(target=pump, args=(a, b), daemon=True).start()
