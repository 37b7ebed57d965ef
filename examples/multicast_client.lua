#!/usr/bin/env lua5.4
--- multicast_client.lua: joins a multicast group and prints what arrives.
-- The receiving half of the course's pair (see multicast_server.lua).
--
--   lua5.4 examples/multicast_client.lua [--interface IF] [--group G]
--          [--port P] [--source S] [--count N] [--timeout S]
--
-- By default it joins 225.0.0.10 on the loopback interface (127.0.0.1, or
-- "lo" for an IPv6 group), port 7200; --interface joins on another one
-- (a local address, a name or an index), --source joins source-specific.
-- It stops after --count datagrams, or when none came for --timeout seconds.
-- An IPv6 group over loopback needs the route Linux does not add there:
--   ip -6 route add multicast ff00::/8 dev lo table local
local lsock = require "lsock"

local opts = { group = "225.0.0.10", port = 7200 }
for i = 1, #arg, 2 do
  local flag = arg[i]:match("^%-%-(%w+)$")
  if not flag or arg[i + 1] == nil then
    io.stderr:write("usage: multicast_client.lua [--interface IF] [--group G] ",
                    "[--port P] [--source S] [--count N] [--timeout S]\n")
    os.exit(2)
  end
  opts[flag] = arg[i + 1]
end
local v6 = opts.group:find(":", 1, true)
local interface = opts.interface or (v6 and "lo" or "127.0.0.1")

local sock = assert(lsock.multicast.receiver(opts.group, tonumber(opts.port), {
  interface = tonumber(interface) or interface, source = opts.source,
  timeout = tonumber(opts.timeout),
}))
print(("joined %s port %d on %s"):format(opts.group, sock:getsockname().port,
                                        interface))
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
