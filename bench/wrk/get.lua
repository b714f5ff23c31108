-- wrk script: GET /api/v1/consultations/{id}, cycling over the ids given after "--".
-- Usage: wrk ... -s get.lua URL -- <token> <id>[,<id>...]
-- Prints one JSON line (prefixed "WRK-RESULT ") that bench/api_bench.py reads.

local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  ids = {}
  for id in string.gmatch(args[2], "[^,]+") do
    table.insert(ids, id)
  end
  n = offset
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/consultations/" .. ids[(n % #ids) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"duration_us": %d, "requests": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.duration, summary.requests, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
