-- The benchmark's lsock server: lsock.server in coroutine mode, one task
-- per connection, recv and sendall yielding to lsock.loop.
-- usage: lua5.4 bench/echo_lsock.lua [port]   (prints its address first)
local server = require "lsock.server"

local srv = assert(server.tcp{
  host = "127.0.0.1", port = tonumber(arg[1] or 0), mode = "coroutine",
  backlog = 4096,
  handler = function(sock)
    while true do
      local data = sock:recv(16384)
      if not data or data == "" then return end
      sock:sendall(data)
    end
  end,
})
print(srv.addr)
io.stdout:flush()
srv:run()
