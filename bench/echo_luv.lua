-- The benchmark's luv server: libuv callbacks, read_start/write.
-- usage: lua5.4 bench/echo_luv.lua [port]   (prints its address first)
local uv = require "luv"

local srv = uv.new_tcp()
assert(srv:bind("127.0.0.1", tonumber(arg[1] or 0)))
local addr = srv:getsockname()
print(addr.ip .. ":" .. addr.port)
io.stdout:flush()
assert(srv:listen(4096, function(err)
  assert(not err, err)
  local c = uv.new_tcp()
  srv:accept(c)
  c:read_start(function(e, data)
    if e or not data then
      c:close()
    else
      c:write(data)
    end
  end)
end))
uv.run()
