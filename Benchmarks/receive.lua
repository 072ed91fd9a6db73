-- wrk script: a signed ~1 KB seed-format delivery; every request gets a new X-Acumatica-Delivery
-- (the signature covers the body only), so each one is a new delivery committed to the store.
local body = os.getenv("BENCH_BODY")
local signature = os.getenv("BENCH_SIGNATURE")
local counter = 0
-- Each wrk thread runs this script in a Lua state of its own: `setup` (in the main state) gives
-- each one its number as the global `thread_id`, so that two threads never send the same id.
local threads = 0

setup = function(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

request = function()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Acumatica-Event"] = "Customer.Updated",
    ["X-Acumatica-Signature"] = signature,
    ["X-Acumatica-Delivery"] = string.format("bench-%s-%d-%d", os.getenv("BENCH_RUN") or "0", thread_id or 0, counter),
  }
  return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
