-- GET each path of the file $BENCH_PATHS in turn (one path per line,
-- e.g. /api/contents/<id>/), starting at a random line per thread.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local paths, i

function init(args)
   seed_random()
   paths = read_lines(os.getenv("BENCH_PATHS"))
   i = math.random(#paths) - 1
end

function request()
   i = i % #paths + 1
   return wrk.format("GET", paths[i])
end
