-- wrk script of bench/run.sh's comparison profile. Env:
--   BENCH_MODE  fetch | version | lookup | compat | register
--   BENCH_DIR   the files bench/seed wrote (ids.txt, subjects.txt, ...)
-- Every request draws one of the seeded schemas at random (register
-- makes a new, distinct schema under a new subject instead). All requests
-- are built in init, so that a request costs wrk a table look-up whatever
-- the mode, and the ceiling, run with the same script and mode, gets the
-- very same requests (it ignores path and body). done prints one line of
-- JSON: requests, seconds, errors, and latency percentiles in µs.
local mode = os.getenv("BENCH_MODE")
local dir = os.getenv("BENCH_DIR")

local function lines(name)
  local t = {}
  for l in io.lines(dir .. "/" .. name) do t[#t + 1] = l end
  return t
end

local reqs = {}
local n = 0
local counter = 0
local tid = 0

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end

function init(args)
  local auth = lines("auth.txt")[1]
  local headers = {["Content-Type"] = "application/vnd.schemaregistry.v1+json"}
  if auth and auth ~= "" then headers["Authorization"] = auth end
  wrk.headers["Authorization"] = headers["Authorization"]
  local subjects = lines("subjects.txt")
  if mode == "fetch" then
    for _, id in ipairs(lines("ids.txt")) do
      reqs[#reqs + 1] = wrk.format("GET", "/schemas/ids/" .. id, headers)
    end
  elseif mode == "version" then
    for _, s in ipairs(subjects) do
      reqs[#reqs + 1] = wrk.format("GET", "/subjects/" .. s .. "/versions/1", headers)
    end
  elseif mode == "lookup" then
    for i, b in ipairs(lines("lookup.txt")) do
      reqs[#reqs + 1] = wrk.format("POST", "/subjects/" .. subjects[i], headers, b)
    end
  elseif mode == "compat" then
    for i, b in ipairs(lines("compat.txt")) do
      reqs[#reqs + 1] = wrk.format("POST", "/compatibility/subjects/" .. subjects[i] .. "/versions/latest", headers, b)
    end
  elseif mode == "register" then
    -- Built per request (each is new); the body's size is that of the
    -- seeded schemas'.
    wrk.headers["Content-Type"] = headers["Content-Type"]
    template = lines("lookup.txt")[1]
  else
    error("BENCH_MODE must be fetch, version, lookup, compat or register, not " .. tostring(mode))
  end
  n = #reqs
  math.randomseed(os.time() + (tid or 0) * 7919)
end

function request()
  if mode == "register" then
    counter = counter + 1
    local tag = string.format("r%d_%d_%d", tid or 0, counter, math.random(1, 1000000000))
    -- A distinct record name makes a distinct schema; a new subject, a
    -- first version (no compatibility check).
    local body = template:gsub("Order%d+", "Order" .. tag, 1)
    return wrk.format("POST", "/subjects/bench-new-" .. tag .. "-value/versions", nil, body)
  end
  return reqs[math.random(1, n)]
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format('{"requests":%d,"seconds":%.3f,"errors":%d,"p50":%d,"p99":%d,"p999":%d}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
