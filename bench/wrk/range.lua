-- GET random, 64 KiB-aligned 64 KiB ranges of the URL's file.
--   BENCH_FILE_SIZE   the file's size in bytes
--   BENCH_RANGE       range length (default 65536)
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local size, len, blocks

function init(args)
   seed_random()
   size = tonumber(os.getenv("BENCH_FILE_SIZE"))
   len = tonumber(os.getenv("BENCH_RANGE") or "65536")
   blocks = math.floor(size / len)
   assert(blocks > 0, "file smaller than one range")
end

function request()
   local start = (math.random(blocks) - 1) * len
   wrk.headers["Range"] = string.format("bytes=%d-%d", start, start + len - 1)
   return wrk.format(nil, nil)
end
