-- The wrk script of the endpoint benchmark (benchmarks/endpoint): one SPARQL query,
-- sent again and again over wrk's keep-alive connections.
--
--   wrk -s sparql.lua http://127.0.0.1:PORT/sparql -- distinct FILE ACCEPT RUN
--       POSTs the query in FILE (application/sparql-query), each time with a trailing
--       comment "# n=RUN-THREAD-COUNT": every request of every run is distinct, so no
--       cache anywhere can answer one from an earlier one.
--   wrk -s sparql.lua 'http://127.0.0.1:PORT/sparql?query=...' -- repeat ACCEPT [ETAG]
--       GETs the URL as it is, every request identical (with If-None-Match: ETAG when
--       given), and counts the answers by status: the cache figures.
--
-- When done it prints one line, "wrk-json " and a JSON object: requests, duration
-- (microseconds), bytes, errors, latency percentiles (microseconds) and, in repeat
-- mode, statuses. wrk counts a status above 399 as an error (errors.status).

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  statuses = {}
  if mode == "distinct" then
    local file = assert(io.open(args[2], "rb"))
    query = file:read("*a")
    file:close()
    marker = "\n# n=" .. args[4] .. "-" .. id .. "-"
    count = 0
    -- Everything before the body, built once: the request line and the headers up to
    -- the Content-Length value.
    head = "POST " .. wrk.path .. " HTTP/1.1\r\n"
      .. "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
      .. "Content-Type: application/sparql-query; charset=utf-8\r\n"
      .. "Accept: " .. args[3] .. "\r\n"
      .. "Content-Length: "
  elseif mode == "repeat" then
    local headers = { Accept = args[2] }
    if args[3] and args[3] ~= "" then
      headers["If-None-Match"] = args[3]
    end
    fixed = wrk.format("GET", nil, headers)
    -- Defined only here: wrk hands responses to Lua (and parses them for it) only when
    -- the script has this function, which costs; the distinct mode does without.
    response = function(status)
      statuses[status] = (statuses[status] or 0) + 1
    end
  else
    error("mode must be distinct or repeat, not " .. tostring(mode))
  end
end

function request()
  if mode == "repeat" then
    return fixed
  end
  count = count + 1
  local body = query .. marker .. count .. "\n"
  return head .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  local counted = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses") or {}
    for status, n in pairs(seen) do
      counted[status] = (counted[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counted) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'wrk-json {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p99": %d, "mean": %.1f, "max": %d}, '
      .. '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    table.concat(parts, ", ")))
end
