-- name2ip: the addresses a name resolves to, as getaddrinfo gives them.
-- usage: lua5.4 examples/name2ip.lua host [service]
-- Prints one line per answer: family, numeric address (and port when a
-- service is given); exits 1 with getaddrinfo's message when the name
-- does not resolve.
local lsock = require "lsock"

local host, service = arg[1], arg[2]
if not host then
  io.stderr:write("usage: lua5.4 examples/name2ip.lua host [service]\n")
  os.exit(2)
end

-- AF_UNSPEC: both families; SOCK_STREAM: one answer per address instead
-- of one per socket type.
local res, msg = lsock.getaddrinfo(host, service,
  { family = "unspec", socktype = "stream", flags = "canonname" })
if not res then
  io.stderr:write(host, ": ", msg, "\n")
  os.exit(1)
end
if res[1].canonname and res[1].canonname ~= host then
  print("canonical name " .. res[1].canonname)
end
for _, ai in ipairs(res) do
  if service then
    print(ai.family, ai.addr.host, ai.addr.port)
  else
    print(ai.family, ai.addr.host)
  end
end
