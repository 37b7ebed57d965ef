-- dualstack_server: one TCP listener for IPv6 and IPv4 clients.
-- usage: lua5.4 examples/dualstack_server.lua [port [count]]
-- Listens on every interface (port 0: the system picks one) and prints
-- its bound address as the first line.  Each client's data is sent back
-- after the client's address, so an IPv4 client reads "::ffff:a.b.c.d".
-- Exits after count clients (default: serves forever).
local lsock = require "lsock"

local port, count = tonumber(arg[1] or 0), tonumber(arg[2])
if not port then
  io.stderr:write("usage: lua5.4 examples/dualstack_server.lua [port [count]]\n")
  os.exit(2)
end

-- No host: an AF_INET6 socket with IPV6_V6ONLY off, so IPv4 clients
-- arrive as IPv4-mapped IPv6 addresses.
local server = assert(lsock.tcp.listen(nil, port))
print(server:getsockname())
io.stdout:flush()

local served = 0
while not count or served < count do
  local client, peer = server:accept()
  if client then
    served = served + 1
    client:settimeout(5)
    print("connection from " .. tostring(peer))
    io.stdout:flush()
    local data = client:recv(1024)
    if data then client:sendall(peer.host .. " " .. data) end
    client:close()
  else
    io.stderr:write("accept: ", peer, "\n")
  end
end
server:close()
