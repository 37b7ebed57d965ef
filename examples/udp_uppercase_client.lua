-- udp_uppercase_client: sends a message, prints the server's reply.
-- usage: lua5.4 examples/udp_uppercase_client.lua host port message
-- The protocol-independent form: getaddrinfo with AF_UNSPEC, then
-- socket + connect on the first answer that works.  UDP may lose the
-- datagram, so it is sent up to three times, waiting 1 s for a reply.
local lsock = require "lsock"

local host, port, message = arg[1], arg[2], arg[3]
if not (host and port and message) then
  io.stderr:write("usage: lua5.4 examples/udp_uppercase_client.lua host port message\n")
  os.exit(2)
end

local res, msg = lsock.getaddrinfo(host, port,
  { family = "unspec", socktype = "dgram" })
if not res then
  io.stderr:write(host, ": ", msg, "\n")
  os.exit(1)
end

local sock
for _, ai in ipairs(res) do
  sock, msg = lsock.socket(ai.family, ai.socktype, ai.protocol)
  if sock then
    local ok
    ok, msg = sock:connect(ai.addr)
    if ok then break end
    sock:close()
    sock = nil
  end
end
if not sock then
  io.stderr:write("cannot connect: ", msg, "\n")
  os.exit(1)
end

sock:settimeout(1)
for _ = 1, 3 do
  sock:send(message)
  local reply, err = sock:recv(65535)
  if reply then
    print(reply)
    os.exit(0)
  end
  msg = err
end
io.stderr:write("no reply: ", msg, "\n")
os.exit(1)
