-- wrk script: PUT a transcript, then POST a verification, over and over, each connection
-- going round its own consultations (the ids are dealt out to the connections like cards).
-- Run it with as many threads as connections (-t N -c N), so that a thread's one connection
-- keeps its PUT and POST in order.
-- Usage: wrk -t N -c N ... -s verify.lua URL -- <token> <transcript file> <content type> <id>,<id>,... <N>
-- Prints one JSON line (prefixed "WRK-RESULT ") that bench/api_bench.py reads.

local threads = {}

function setup(thread)
  thread:set("index", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local ids = {}
  for id in string.gmatch(args[4], "[^,]+") do
    table.insert(ids, id)
  end
  local file = assert(io.open(args[2], "rb"))
  local body = file:read("*a")
  file:close()
  local auth = "Bearer " .. args[1]
  local connections = tonumber(args[5])
  puts, posts = {}, {}
  for i = index, #ids, connections do
    local path = "/api/v1/consultations/" .. ids[i]
    table.insert(puts, wrk.format("PUT", path .. "/transcript", {["Authorization"] = auth, ["Content-Type"] = args[3]}, body))
    table.insert(posts, wrk.format("POST", path .. "/verification", {["Authorization"] = auth}))
  end
  turn, sent_put, puts_ok, posts_ok, failed = 0, false, 0, 0, 0
end

function request()
  sent_put = not sent_put
  if sent_put then
    turn = (turn % #puts) + 1
    return puts[turn]
  end
  return posts[turn]
end

function response(status, headers, body)
  -- responses come back in order on the one connection: odd ones answer PUTs
  if status >= 200 and status < 300 then
    if sent_put then puts_ok = puts_ok + 1 else posts_ok = posts_ok + 1 end
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local puts, posts, failures = 0, 0, 0
  for _, thread in ipairs(threads) do
    puts = puts + thread:get("puts_ok")
    posts = posts + thread:get("posts_ok")
    failures = failures + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"duration_us": %d, "requests": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"puts_ok": %d, "posts_ok": %d, "failed": %d}\n',
    summary.duration, summary.requests, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    puts, posts, failures))
end
