-- wrk script for form submissions that must be counted exactly (bench/load_submit.py).
--
-- Each thread POSTs BENCH_FORM_BODY to BENCH_FORM. When BENCH_REVIEW_BODY is set, a redirect
-- to ".../granska" is the second step: its Location is queued and the next request of the
-- thread (on whichever connection is free: wrk has no per-connection state) POSTs
-- BENCH_REVIEW_BODY there; a redirect from that POST to anything else completes a submission.
-- Without BENCH_REVIEW_BODY, a 3xx answer to the form completes a submission (the baseline).
--
-- Bounds: after BENCH_SECONDS (or BENCH_MAX completed submissions per thread), and once it has
-- completed one submission, a thread sends
-- nothing more (delay() holds each free connection back) and stops once every request it sent
-- has been answered, printing "STOPPED <id>". So no request that may have written a row is left
-- unanswered, and the count can be compared exactly with the database. wrk's -d is the hard
-- bound (set longer; the caller interrupts wrk when every thread has stopped); "unanswered" in
-- the summary says if it was ever hit.
--
-- Environment: BENCH_FORM, BENCH_FORM_BODY (BENCH_BODY_N replaced by thread-counter),
--              BENCH_REVIEW_BODY (optional), BENCH_COOKIE, BENCH_UA, BENCH_SECONDS, BENCH_MAX
-- done() prints "BENCH {json}".
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  form_path = os.getenv("BENCH_FORM")
  form_body = os.getenv("BENCH_FORM_BODY") or ""
  review_body = os.getenv("BENCH_REVIEW_BODY") or ""
  max = tonumber(os.getenv("BENCH_MAX") or "0")
  deadline = os.time() + tonumber(os.getenv("BENCH_SECONDS") or "3")
  headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  local ua = os.getenv("BENCH_UA")
  if ua and ua ~= "" then headers["User-Agent"] = ua end
  pending = {}          -- review paths waiting for their POST
  n = 0                 -- form POSTs sent
  forms = 0; reviews = 0                   -- requests sent, by kind
  drafts = 0; completed = 0                -- answered as expected
  unexpected = 0; s4 = 0; s5 = 0           -- anything else
  outstanding = 0       -- submission requests sent and not yet answered
  draining = false
  -- wrk 4.1 calls request() once on the first thread's state before any connection, to check
  -- the script (script_verify_request): that request is never sent, so it must not count.
  verifying = (id == 1)
end

local function stop_if_done()
  if draining and outstanding <= 0 and not stopped then
    stopped = true
    io.write("STOPPED " .. id .. "\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function delay()
  -- A thread completes at least one submission before it stops, however slowly its first ones are
  -- answered: os.time() counts whole seconds, so with BENCH_SECONDS=1 the deadline can come a few
  -- milliseconds after the start, before a busy machine has answered the first form (TLS, MariaDB).
  if not draining and completed > 0 and (os.time() >= deadline or (max > 0 and completed >= max)) then
    draining = true
  end
  if draining then
    stop_if_done()
    return 3600000    -- this connection sends nothing more
  end
  return 0
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/", headers)
  end
  outstanding = outstanding + 1
  if #pending > 0 then
    reviews = reviews + 1
    return wrk.format("POST", table.remove(pending, 1), headers, review_body)
  end
  n = n + 1
  forms = forms + 1
  return wrk.format("POST", form_path, headers, (string.gsub(form_body, "BENCH_BODY_N", id .. "-" .. n)))
end

local function path_of(location)
  return (string.gsub(location or "", "^https?://[^/]+", ""))
end

function response(status, resp_headers, body)
  local location = resp_headers["Location"] or resp_headers["location"]
  if status >= 300 and status < 400 and location then
    local path = path_of(location)
    outstanding = outstanding - 1
    if review_body ~= "" and string.find(path, "/granska$") then
      drafts = drafts + 1
      if not draining then table.insert(pending, path) end
    else
      completed = completed + 1
    end
  else
    outstanding = outstanding - 1
    if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 else unexpected = unexpected + 1 end
  end
  stop_if_done()
end

function done(summary, latency, requests)
  local sums = {forms = 0, reviews = 0, drafts = 0, completed = 0, unexpected = 0, s4 = 0, s5 = 0,
                outstanding = 0}
  for _, t in ipairs(threads) do
    for k, _ in pairs(sums) do sums[k] = sums[k] + t:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"forms": %d, "reviews": %d, "drafts": %d, "completed": %d, "unexpected": %d, ' ..
    '"s4xx": %d, "s5xx": %d, "unanswered": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, sums.forms, sums.reviews, sums.drafts, sums.completed, sums.unexpected, sums.s4,
    sums.s5, sums.outstanding, e.connect, e.read, e.write, e.timeout))
end
