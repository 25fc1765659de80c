-- One request shape for wrk, read from the environment so the Python side
-- never writes Lua: BENCH_METHOD, BENCH_BODY and BENCH_HEADERS
-- ("Name: value" lines).
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
end
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end

-- A body holding __BENCH_CONSENT_ID__ gets a new consent id in every request, as
-- the loader sends one per visitor: 32 hex digits, unique across runs.
if body and body:find("__BENCH_CONSENT_ID__", 1, true) then
  -- BENCH_SEED tells apart wrk processes started in the same second.
  math.randomseed(os.time() + (tonumber(os.getenv("BENCH_SEED") or "0") or 0))
  local prefix = string.format("%08x%08x", os.time(), math.random(0, 0x7fffffff))
  local counter = 0
  request = function()
    counter = counter + 1
    local id = prefix .. string.format("%016x", counter)
    return wrk.format(nil, nil, nil, (body:gsub("__BENCH_CONSENT_ID__", id)))
  end
end
