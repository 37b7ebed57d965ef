-- select with a timeout: wait for a client, or for a line on standard
-- input, at most a few seconds; when nothing comes in time, say so and
-- stop.  Each client is greeted and disconnected.
-- usage: lua5.4 examples/select_timeout.lua [host [port [seconds]]]
--   seconds defaults to 5; port 0 picks a free port; the first line
--   printed is the bound address.
local lsock = require "lsock"

if arg[1] == "-h" or arg[1] == "--help" then
  print("usage: lua5.4 examples/select_timeout.lua [host [port [seconds]]]")
  os.exit(0)
end
local host, port = arg[1] or "127.0.0.1", tonumber(arg[2] or 9002)
local seconds = tonumber(arg[3] or 5)
io.stdout:setvbuf("line")

local srv = assert(lsock.socket("inet", "stream"))
assert(srv:setsockopt("socket", "reuseaddr", true))
assert(srv:bind(host, port))
assert(srv:listen())
print(srv:getsockname())

local readers = { srv, io.stdin }   -- a Lua file works as well as 0
while true do
  local started = lsock.monotime()
  local ready = assert(lsock.select(readers, nil, seconds))
  if #ready == 0 then
    -- On timeout select returns two empty tables.
    print(("timeout: nothing happened in %g s (waited %.2f s)")
      :format(seconds, lsock.monotime() - started))
    break
  end
  if ready[srv] then
    local c, peer = srv:accept()
    if c then
      c:sendall("hello " .. tostring(peer) .. "\n")
      c:close()
      print("greeted " .. tostring(peer))
    end
  end
  if ready[io.stdin] then
    local line = io.stdin:read("l")
    if not line then
      -- End of input: stop watching it (it would stay readable).
      readers = { srv }
    else
      print("stdin: " .. line)
    end
  end
end
srv:close()
