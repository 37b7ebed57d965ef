-- ip2name: the name of a numeric address (reverse lookup with getnameinfo).
-- usage: lua5.4 examples/ip2name.lua address [port]
-- Prints the host name (and the service name of port, when given);
-- exits 1 when the address is invalid or has no name.
local lsock = require "lsock"

local ip, port = arg[1], arg[2]
if not ip then
  io.stderr:write("usage: lua5.4 examples/ip2name.lua address [port]\n")
  os.exit(2)
end

-- lsock.addr parses IPv4 and IPv6 literals ("fe80::1%eth0" too).
local addr, msg = lsock.addr(ip, tonumber(port) or 0)
if not addr then
  io.stderr:write(ip, ": ", msg, "\n")
  os.exit(1)
end
-- NI_NAMEREQD: fail rather than print the number back.
local host, service = lsock.getnameinfo(addr, "namereqd")
if not host then
  io.stderr:write(ip, ": ", service, "\n")
  os.exit(1)
end
if port then print(host, service) else print(host) end
