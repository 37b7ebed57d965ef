#!/usr/bin/env lua5.4
--- broadcast.lua: an SO_BROADCAST sender and a receiver.
--
--   lua5.4 examples/broadcast.lua send [ADDRESS [PORT]] [--count N]
--          [--interval S] [--message TEXT]
--   lua5.4 examples/broadcast.lua recv [PORT] [--count N] [--timeout S]
--
-- ADDRESS defaults to 127.255.255.255, the loopback network's broadcast
-- address, so trying it sends nothing off the machine; give your LAN's
-- broadcast address (say 192.168.1.255) to reach the other hosts on it.
-- PORT defaults to 7201.  The receiver binds the wildcard address: a
-- broadcast is delivered to the sockets bound to that port on any address.
local lsock = require "lsock"

-- Waits `seconds`: a receive with a timeout on a socket nothing sends to
-- (a sleep made from sockets alone, to need nothing else).
local function sleep(seconds)
  local s <close> = assert(lsock.socket("inet", "dgram"))
  assert(s:bind("127.0.0.1", 0))
  s:settimeout(seconds)
  s:recv(1)
end

local mode = arg[1]
local opts, words = {}, {}
local i = 2
while i <= #arg do
  local flag = arg[i]:match("^%-%-(%w+)$")
  if flag then
    opts[flag] = arg[i + 1]
    i = i + 2
  else
    words[#words + 1] = arg[i]
    i = i + 1
  end
end

if mode == "send" then
  local address = words[1] or "127.255.255.255"
  local port = tonumber(words[2]) or 7201
  local sock = assert(lsock.socket("inet", "dgram"))
  -- Without SO_BROADCAST the kernel refuses: sendto says EACCES.
  assert(sock:setsockopt("socket", "broadcast", true))
  local count = tonumber(opts.count) or 1
  for n = 1, count do
    assert(sock:sendto(("%s #%d"):format(opts.message or "hello, everyone", n),
                       address, port))
    print(("sent #%d to %s:%d"):format(n, address, port))
    io.stdout:flush()
    if n < count then sleep(tonumber(opts.interval) or 1) end
  end
  sock:close()
elseif mode == "recv" then
  local port = tonumber(words[1]) or 7201
  local sock = assert(lsock.socket("inet", "dgram"))
  assert(sock:setsockopt("socket", "reuseaddr", true))
  assert(sock:bind("*", port))
  if opts.timeout then sock:settimeout(tonumber(opts.timeout)) end
  print(("listening on port %d"):format(sock:getsockname().port))
  io.stdout:flush()
  local n, count = 0, tonumber(opts.count)
  while not count or n < count do
    local data, from = sock:recvfrom(65536)
    if not data then
      print(from)  -- "timeout"
      break
    end
    n = n + 1
    print(("%s: %s"):format(from.host, data))
    io.stdout:flush()
  end
  sock:close()
else
  io.stderr:write("usage: broadcast.lua send [ADDRESS [PORT]] | recv [PORT]\n")
  os.exit(2)
end
