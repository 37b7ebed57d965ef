-- Load-test server: lsock.server in coroutine mode.  Each message is a
-- frame: 4-byte length, 2-byte internet checksum (lsock.checksum), then
-- the payload; the server checks the checksum and echoes the frame.
-- Usage: lua5.4 bench/load/server.lua CONNECTIONS
-- Prints its port, then at the end "server MSGS BYTES CORRUPT CONNS".
local lsock = require "lsock"
local server = require "lsock.server"

local want = assert(math.tointeger(tonumber(arg[1])), "connections")
local msgs, bytes, corrupt, done = 0, 0, 0, 0

local srv
srv = assert(server.tcp {
  host = "127.0.0.1", port = 0, mode = "coroutine", backlog = 4096,
  max = want + 10, timeout = 60,
  handler = function(c)
    while true do
      local head = c:recv(6, "waitall")
      if not head or #head < 6 then break end
      local len, sum = string.unpack(">I4I2", head)
      local data = len > 0 and c:recv(len, "waitall") or ""
      if not data or #data ~= len then
        corrupt = corrupt + 1
        break
      end
      if lsock.checksum(data) ~= sum then corrupt = corrupt + 1 end
      msgs, bytes = msgs + 1, bytes + len
      if not c:sendall(head .. data) then break end
    end
    c:close()
    done = done + 1
    if done == want then srv:close() end
  end,
})
print(srv.addr.port)
io.stdout:flush()
srv:run()
print(("server %d %d %d %d"):format(msgs, bytes, corrupt, done))
