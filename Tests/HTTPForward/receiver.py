"""An HTTPS receiver for the http-forward plugin's tests.

Usage: receiver.py PORT CERT KEY SECRET LOG (PORT 0: any free one; the first line printed is
"listening <port>")
Verifies every request's Standard Webhooks signature with the PyPI `standardwebhooks` library
(not with Acuhook's code) and appends one JSON line per request to LOG:
{"id", "verified", "entity", "count", "status", "authorization"}.
Answers by the event's entity id: `fail-500` → 500 for its first two requests, then 200;
`bad-400` → 400 with "no such customer"; anything else → 200.
"""
import http.server
import json
import ssl
import sys
import threading

from standardwebhooks.webhooks import Webhook

port, cert, key, secret, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
counts = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            Webhook(secret).verify(body, {k.lower(): v for k, v in self.headers.items()})
            verified = True
        except Exception:
            verified = False
        entity = json.loads(body).get("entityId", "")
        with lock:
            counts[entity] = counts.get(entity, 0) + 1
            count = counts[entity]
        status, answer = 200, b'{"ok":true}'
        if entity == "fail-500" and count <= 2:
            status, answer = 500, b"busy, try later"
        elif entity == "bad-400":
            status, answer = 400, b"no such customer"
        with lock, open(log, "a") as out:
            out.write(json.dumps({"id": self.headers.get("webhook-id"), "verified": verified, "entity": entity,
                                  "count": count, "status": status, "authorization": self.headers.get("Authorization")}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
