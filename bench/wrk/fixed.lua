-- GET the URL's path on every request, with the token header (used for
-- the list scenario, the download and the references).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")
