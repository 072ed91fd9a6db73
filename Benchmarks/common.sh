# Shared by the A/B benchmark scripts (sourced, not run).

# Waits until something listens on 127.0.0.1:PORT (at most 10 s).
wait_for_port() {
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# Exports BENCH_BODY (a ~1 KB guide-format Customer.Updated) and BENCH_SIGNATURE for SECRET, as
# Benchmarks/receive.lua sends them.
signed_body() {
  BENCH_BODY=$(python3 -c '
import json
data = {"CustomerID": {"value": "CUST001"}, "CustomerName": {"value": "Benchmark Customer"}}
i = 0
while True:
    text = json.dumps({"eventType": "Customer.Updated", "timestamp": "2024-01-15T10:30:00Z", "entityType": "Customer",
                       "entityId": "CUST001", "tenantId": "MyCompany", "data": data,
                       "metadata": {"source": "WebUI", "correlationId": "bench"}}, separators=(",", ":"))
    if len(text) >= 1000: break
    data[f"Attribute{i:02d}"] = {"value": "some attribute value"}; i += 1
print(text)')
  BENCH_SIGNATURE="sha256=$(printf '%s' "$BENCH_BODY" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1)"
  export BENCH_BODY BENCH_SIGNATURE
}
