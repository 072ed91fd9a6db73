#!/usr/bin/env python3
"""Prints a ~1 KB guide-format body for the receive benchmarks (Benchmarks/receive.sh).
"""
import json
data = {"CustomerID": {"value": "CUST001"}, "CustomerName": {"value": "Benchmark Customer"}, "Status": {"value": "Active"}}
i = 0
while True:
    event = {"eventType": "Customer.Updated", "timestamp": "2024-01-15T10:30:00Z", "entityType": "Customer",
             "entityId": "CUST001", "tenantId": "MyCompany", "userId": "admin", "data": data,
             "changes": [{"field": "CustomerName", "oldValue": "Old", "newValue": "Benchmark Customer"}],
             "metadata": {"source": "WebUI", "correlationId": "bench"}}
    text = json.dumps(event, separators=(",", ":"))
    if len(text) >= 1000:
        break
    data[f"Attribute{i:02d}"] = {"value": "some attribute value"}
    i += 1
print(text)
