-- lsock.compat against LuaSocket, side by side, on LuaSocket-style code:
-- line reading (receive "*l" of 64-byte lines from a python3 sender),
-- select over 1,000 sockets with one ready, and small request/response
-- round trips over loopback TCP.  Each workload runs on both in turn,
-- three trials; the table gives median CPU seconds and the ratio.
-- Usage: lua5.4 bench/compat.lua [quick]   (from the repository root)
local luasocket = require "socket.core"
local compat = require "lsock.compat"

local QUICK = arg[1] == "quick"
local LINES = QUICK and 50000 or 400000
local SELECTS = QUICK and 500 or 3000
local ROUNDS = QUICK and 5000 or 40000

local SENDER = [[python3 -c '
import socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.sendall(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_\n" * %d)
c.close()']]

local W = {}

function W.lines(s)
  local p = io.popen(SENDER:format(LINES))
  local port = tonumber(p:read("l"))
  local c = s.tcp(); c:settimeout(10)
  assert(c:connect("127.0.0.1", port))
  local t0, n = os.clock(), 0
  while true do
    local line = c:receive("*l")
    if not line then break end
    n = n + 1
  end
  local dt = os.clock() - t0
  assert(n == LINES, n)
  c:close(); p:close()
  return dt
end

function W.select1000(s)
  local socks = {}
  for i = 1, 1000 do
    local u = s.udp(); assert(u:setsockname("127.0.0.1", 0)); socks[i] = u
  end
  local ip, port = socks[1000]:getsockname()
  local tx = s.udp(); tx:sendto("x", ip, port)
  local r = s.select(socks, nil, 1)
  assert(#r == 1)
  local t0 = os.clock()
  for _ = 1, SELECTS do
    r = s.select(socks, nil, 1)
    assert(#r == 1)
  end
  local dt = os.clock() - t0
  for _, u in ipairs(socks) do u:close() end
  tx:close()
  return dt
end

function W.roundtrip(s)
  local srv = s.tcp(); assert(srv:bind("127.0.0.1", 0)); srv:listen()
  local _, port = srv:getsockname()
  local c = s.tcp(); c:settimeout(5); assert(c:connect("127.0.0.1", port))
  local a = srv:accept(); a:settimeout(5)
  local msg = ("a"):rep(31) .. "\n"
  local t0 = os.clock()
  for _ = 1, ROUNDS do
    c:send(msg); local got = a:receive()
    a:send(got .. "\n"); c:receive(32)
  end
  local dt = os.clock() - t0
  c:close(); a:close(); srv:close()
  return dt
end

local function median(t) table.sort(t); return t[(#t + 1) // 2] end

print(("%-12s %12s %12s %8s"):format("workload", "LuaSocket s", "compat s", "ratio"))
for _, name in ipairs { "lines", "select1000", "roundtrip" } do
  local a, b = {}, {}
  for _ = 1, 3 do
    a[#a + 1] = W[name](luasocket)
    b[#b + 1] = W[name](compat)
  end
  local ma, mb = median(a), median(b)
  print(("%-12s %12.3f %12.3f %7.2fx"):format(name, ma, mb, ma / mb))
end
