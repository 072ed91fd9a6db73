"""The seed's own Flask receiver (Acumatica webhook guide), as the benchmark's outside reference.

Verifies X-Acumatica-Signature (HMAC-SHA256 over the raw body, the correct variant), parses the
JSON and answers 200. It stores nothing: that is the point of comparison.
"""
import hashlib
import hmac
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
SECRET = os.environ.get("ACUHOOK_BENCH_SECRET", "bench-secret").encode()


@app.post("/webhooks/acumatica")
def receive():
    signature = request.headers.get("X-Acumatica-Signature", "")
    expected = "sha256=" + hmac.new(SECRET, request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        return jsonify({"error": "invalid signature"}), 401
    event = request.get_json(force=True)
    return jsonify({"received": True, "eventType": event.get("eventType")}), 200
