-- udp_client.lua: send one datagram to a UDP server and print the reply.
-- The server's name is looked up with getaddrinfo, so "localhost" works as
-- well as 127.0.0.1 or ::1.  Gives up after 2 seconds without a reply.
--
--   lua5.4 examples/udp_client.lua 127.0.0.1 7777 hello
-- Against udp_counter_server.lua, or nc (type the reply):  nc -u -l 7777
-- or a python3 server that answers in capitals:
--   python3 -c 'import socket as S; s = S.socket(S.AF_INET, S.SOCK_DGRAM)
--   s.bind(("", 7777)); d, a = s.recvfrom(100); s.sendto(d.upper(), a)'
local lsock = require "lsock"

local USAGE = "usage: udp_client.lua host port [message]"

if arg[1] == "-h" or arg[1] == "--help" then
  print(USAGE)
  os.exit(0)
end
local host, port, message = arg[1], arg[2], arg[3] or "hello"
if not host or not port or not port:match("^%d+$") or arg[4] then
  io.stderr:write(USAGE, "\n")
  os.exit(2)
end

local function fail(what, msg)
  io.stderr:write(what, ": ", msg, "\n")
  os.exit(1)
end

local answers, err = lsock.getaddrinfo(host, port, { socktype = "dgram" })
if not answers then fail(host, err) end
local ai = answers[1]
local s = assert(lsock.socket(ai.family, ai.socktype, ai.protocol))
s:settimeout(2)

local ok, serr = s:sendto(message, ai.addr)
if not ok then fail("sendto", serr) end
local reply, from = s:recvfrom(65535)
if not reply then fail("recvfrom", from) end -- from is the message: "timeout"
io.write(reply, reply:sub(-1) == "\n" and "" or "\n")
s:close()
