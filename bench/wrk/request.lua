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
