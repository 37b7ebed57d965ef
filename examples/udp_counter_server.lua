-- udp_counter_server.lua: a UDP server that counts the datagrams it gets.
-- For each datagram it prints the sender's address and the text, and sends
-- back the datagram's number (1, 2, 3, ...) to that sender.
--
-- Run it, then talk to it with udp_client.lua, nc or python3:
--   lua5.4 examples/udp_counter_server.lua 7777
--   lua5.4 examples/udp_client.lua 127.0.0.1 7777 hello
--   echo hello | nc -u -w1 127.0.0.1 7777
--   python3 -c 'import socket as S; s = S.socket(S.AF_INET, S.SOCK_DGRAM)
--   s.sendto(b"hi", ("127.0.0.1", 7777)); print(s.recv(100))'
-- Port 0 lets the system pick a port; the bound address is the first line.
local lsock = require "lsock"

local USAGE = [[
usage: udp_counter_server.lua [-n count] [-b address] [port]
  port        UDP port to listen on (default 7777, 0 = any free port)
  -b address  local IPv4 or IPv6 address to bind (default *, all IPv4)
  -n count    exit after answering count datagrams (default: never)]]

local function usage(ok)
  local out = ok and io.stdout or io.stderr
  out:write(USAGE, "\n")
  os.exit(ok and 0 or 2)
end

local function fail(what, msg)
  io.stderr:write(what, ": ", msg, "\n")
  os.exit(1)
end

local host, port, count = "*", 7777, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then usage(true)
  elseif a == "-n" then
    i = i + 1
    count = math.tointeger(tonumber(arg[i]))
    if not count or count < 1 then usage(false) end
  elseif a == "-b" then
    i = i + 1
    host = arg[i] or usage(false)
  elseif a:match("^%d+$") and tonumber(a) <= 65535 then
    port = tonumber(a)
  else
    usage(false)
  end
  i = i + 1
end

io.stdout:setvbuf("line") -- so a pipe sees each line at once

local family = host:find(":", 1, true) and "inet6" or "inet"
local addr, err = lsock.addr(host, port, family)
if not addr then fail(host, err) end
local s = assert(lsock.socket(family, "dgram"))
local ok, msg = s:bind(addr)
if not ok then fail("bind", msg) end
print(tostring(s:getsockname()))

local n = 0
while not count or n < count do
  local data, from = s:recvfrom(65535)
  if not data then fail("recvfrom", from) end
  n = n + 1
  print(("%s %s"):format(tostring(from), (data:gsub("\n$", ""))))
  local sent, serr = s:sendto(n .. "\n", from)
  if not sent then io.stderr:write("sendto: ", serr, "\n") end
end
s:close()
