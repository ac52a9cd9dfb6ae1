-- One wrk script for every load in bench/: GET paths in turn, or POST a form body.
-- Environment: BENCH_PATHS  paths separated by "|" (taken in turn, each thread from its own start)
--              BENCH_COOKIE a Cookie header (a signed-in session), optional
--              BENCH_BODY   a form body to POST to each path, optional (BENCH_BODY_N replaced by a counter)
--              BENCH_MAX    stop each thread after this many responses (the count bound; -d is the time bound);
--                           the thread prints STOPPED and the caller interrupts wrk once every thread has
-- done() prints one line "BENCH {json}" with exact counts by status class and latency percentiles.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^|]+") do table.insert(paths, p) end
  cookie = os.getenv("BENCH_COOKIE")
  body = os.getenv("BENCH_BODY")
  max = tonumber(os.getenv("BENCH_MAX") or "0")
  i = (id * 7) % #paths
  n = 0; s2 = 0; s3 = 0; s4 = 0; s5 = 0; stopped = false
end

function request()
  i = i % #paths + 1
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  if body and body ~= "" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local b = string.gsub(body, "BENCH_BODY_N", id .. "-" .. n)
    return wrk.format("POST", paths[i], headers, b)
  end
  return wrk.format("GET", paths[i], headers)
end

function response(status, headers, resp_body)
  n = n + 1
  if status < 300 then s2 = s2 + 1 elseif status < 400 then s3 = s3 + 1
  elseif status < 500 then s4 = s4 + 1 else s5 = s5 + 1 end
  if max > 0 and n >= max and not stopped then
    -- wrk sleeps out its -d whatever the threads do: tell the caller, which interrupts it.
    stopped = true
    io.write("STOPPED\n"); io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t2, t3, t4, t5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t2 = t2 + t:get("s2"); t3 = t3 + t:get("s3"); t4 = t4 + t:get("s4"); t5 = t5 + t:get("s5")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"s2xx": %d, "s3xx": %d, "s4xx": %d, "s5xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, t2, t3, t4, t5, e.connect, e.read, e.write, e.timeout))
end
