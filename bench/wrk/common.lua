-- Shared by every bench/wrk script (loaded with dofile by each of them).
--
-- Environment (set by bench/run.sh):
--   BENCH_TOKEN   the API token; sent as "Authorization: Token <token>"
--                 (also to the references, so requests are the same size)
--
-- done() prints one parseable line that run.sh greps:
--   BENCH_RESULT requests=N duration_us=N bytes=N errors=N p50_us=N p90_us=N p99_us=N max_us=N
-- where errors counts connect/read/write errors, timeouts and non-2xx/3xx
-- responses together.

local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
   wrk.headers["Authorization"] = "Token " .. token
end

-- Each wrk thread has its own Lua state; give each a distinct random
-- stream so the threads do not walk the same rotation in lockstep.
local thread_counter = 0
function setup(thread)
   thread_counter = thread_counter + 1
   thread:set("thread_id", thread_counter)
end

function seed_random()
   local id = tonumber(thread_id) or 0
   math.randomseed(os.time() + id * 7919)
   -- LuaJIT's first values after seeding are poorly mixed.
   for _ = 1, 10 do math.random() end
end

-- Lines of a file, without blanks.
function read_lines(path)
   local lines = {}
   local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in f:lines() do
      if line ~= "" then lines[#lines + 1] = line end
   end
   f:close()
   assert(#lines > 0, "no lines in " .. path)
   return lines
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d bytes=%d errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
      summary.requests, summary.duration, summary.bytes, errors,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
