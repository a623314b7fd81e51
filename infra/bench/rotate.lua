-- wrk script: requests the paths listed in $ROTATE_PATHS (one per line) in turn.
-- Each wrk thread has its own copy and starts at a different place in the list.
local paths = {}
for line in io.lines(os.getenv("ROTATE_PATHS")) do
    if line ~= "" then paths[#paths + 1] = line end
end
local threads = 0
local i = 0

function setup(thread)
    thread:set("start", threads * 7919)
    threads = threads + 1
end

function init(args)
    i = (start or 0) % #paths
end

function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
