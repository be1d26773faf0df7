-- wrk script: register a new, distinct schema under a new subject on every
-- request (the write path: parse, canonicalise, allocate id, commit).
local counter = 0
local tid = 0
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end
function request()
  counter = counter + 1
  local name = string.format("f_%d_%d_%d", tid or 0, counter, math.random(1, 1000000000))
  local schema = string.format('{\\"type\\":\\"record\\",\\"name\\":\\"R\\",\\"fields\\":[{\\"name\\":\\"%s\\",\\"type\\":\\"string\\"}]}', name)
  local body = string.format('{"schema":"%s"}', schema)
  return wrk.format("POST", "/subjects/bench-reg-" .. name .. "/versions",
    {["Content-Type"] = "application/vnd.schemaregistry.v1+json"}, body)
end
