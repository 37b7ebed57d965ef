-- dualstack_client: connect by name over IPv6 or IPv4, whichever answers.
-- usage: lua5.4 examples/dualstack_client.lua host port [message]
-- lsock.tcp.connect tries every address of host (Happy Eyeballs: the
-- families alternate, a new attempt every 250 ms); prints the address it
-- reached, then sends message (default "hello") and prints the reply.
local lsock = require "lsock"

local host, port, message = arg[1], arg[2], arg[3] or "hello"
if not (host and port) then
  io.stderr:write("usage: lua5.4 examples/dualstack_client.lua host port [message]\n")
  os.exit(2)
end

local s, msg = lsock.tcp.connect(host, port, { timeout = 5 })
if not s then
  io.stderr:write(host, " ", port, ": ", msg, "\n")
  os.exit(1)
end
print("connected to " .. tostring(s:getpeername()))
s:settimeout(5)
assert(s:sendall(message .. "\n"))
s:shutdown("wr")
local parts = {}
repeat
  local data = assert(s:recv(4096))
  parts[#parts + 1] = data
until data == ""
io.write(table.concat(parts))
s:close()
