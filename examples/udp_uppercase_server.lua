-- udp_uppercase_server: replies to each datagram with it in upper case.
-- usage: lua5.4 examples/udp_uppercase_server.lua [port [count]]
-- The protocol-independent form: getaddrinfo(NULL, port) with AF_UNSPEC
-- and AI_PASSIVE, then socket + bind on the first answer that works.
-- Prints its bound address as the first line; exits after count
-- datagrams (default: serves forever).
local lsock = require "lsock"

local port, count = tonumber(arg[1] or 0), tonumber(arg[2])
if not port then
  io.stderr:write("usage: lua5.4 examples/udp_uppercase_server.lua [port [count]]\n")
  os.exit(2)
end

local res = assert(lsock.getaddrinfo(nil, port,
  { family = "unspec", socktype = "dgram", flags = "passive" }))
-- The IPv6 wildcard with v6only off serves both families, so it goes
-- first; the IPv4 wildcard is the fallback on hosts without IPv6.
table.sort(res, function(a, b)
  return a.family == "inet6" and b.family ~= "inet6"
end)

local sock, msg
for _, ai in ipairs(res) do
  sock, msg = lsock.socket(ai.family, ai.socktype, ai.protocol)
  if sock then
    if ai.family == "inet6" then sock:setsockopt("ipv6", "v6only", false) end
    local ok
    ok, msg = sock:bind(ai.addr)
    if ok then break end
    sock:close()
    sock = nil
  end
end
if not sock then
  io.stderr:write("cannot bind: ", msg, "\n")
  os.exit(1)
end
print(sock:getsockname())
io.stdout:flush()

local served = 0
while not count or served < count do
  local data, from = sock:recvfrom(65535)
  if data then
    served = served + 1
    sock:sendto(data:upper(), from)
  else
    io.stderr:write("recvfrom: ", from, "\n")
  end
end
sock:close()
