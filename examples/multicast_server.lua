#!/usr/bin/env lua5.4
--- multicast_server.lua: announces numbered messages to a multicast group.
-- The course's pair: this server sends, any number of multicast_client.lua
-- processes join the group and print what arrives.
--
--   lua5.4 examples/multicast_server.lua [--interface IF] [--group G]
--          [--port P] [--ttl N] [--count N] [--interval S] [message]
--
-- By default the group is 225.0.0.10, port 7200, sent through the loopback
-- interface (127.0.0.1, or "lo" for an IPv6 group) with TTL 0, so nothing
-- leaves the machine. --interface picks another interface (a local address,
-- a name or an index) and makes the TTL 1 (this link only) unless --ttl says.
-- An IPv6 group over loopback needs the route Linux does not add there:
--   ip -6 route add multicast ff00::/8 dev lo table local
local lsock = require "lsock"

-- Waits `seconds`: a receive with a timeout on a socket nothing sends to
-- (a sleep made from sockets alone, to need nothing else).
local function sleep(seconds)
  local s <close> = assert(lsock.socket("inet", "dgram"))
  assert(s:bind("127.0.0.1", 0))
  s:settimeout(seconds)
  s:recv(1)
end

local opts = { group = "225.0.0.10", port = 7200, interval = 1 }
local words = {}
local i = 1
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
local message = #words > 0 and table.concat(words, " ") or "hello, group"
local v6 = opts.group:find(":", 1, true)
local interface = opts.interface or (v6 and "lo" or "127.0.0.1")
local ttl = tonumber(opts.ttl) or (opts.interface and 1 or 0)

local sock = assert(lsock.multicast.sender(opts.group, tonumber(opts.port), {
  interface = tonumber(interface) or interface, ttl = ttl, loop = true,
}))
print(("sending to %s port %s via %s, ttl %d"):format(
  opts.group, opts.port, interface, ttl))
io.stdout:flush()

local n, count = 0, tonumber(opts.count)
while not count or n < count do
  n = n + 1
  assert(sock:send(("%s #%d"):format(message, n)))
  if not count or n < count then
    sleep(tonumber(opts.interval))
  end
end
sock:close()
