-- The Lua receivers of the UDP receive-cost benchmark (see udp_bench.c).
--
--   lua5.4 bench/udp_recv.lua recvfrom|recvmmsg|luasocket
--
-- Binds 127.0.0.1:0, prints "port N", receives 1500-byte-buffer
-- datagrams until 0.2 s pass without one, prints "received M".  Each loop
-- is what a program would write: it keeps the data and the sender of each
-- datagram in hand (one local each), as a server about to reply would.
local mode = arg[1] or "recvmmsg"
local IDLE = 0.2
local RCVBUF = 4 << 20  -- as udp_bench.c's receiver

local function report(n, calls)
  print(("received %d"):format(n))
  if calls then print(("batches %d"):format(calls)) end
end

if mode == "luasocket" then
  local socket = require "socket"
  local u = assert(socket.udp())
  assert(u:setsockname("127.0.0.1", 0))
  u:settimeout(IDLE)
  assert(u:setoption("recv-buffer-size", RCVBUF))
  print(("port %d"):format(select(2, u:getsockname())))
  io.stdout:flush()
  local n = 0
  while true do
    local data, ip, port = u:receivefrom(1500)
    if not data then break end
    n = n + 1
    local _ = ip and port
  end
  report(n)
  return
end

local lsock = require "lsock"
local s = assert(lsock.socket("inet", "dgram"))
assert(s:bind("127.0.0.1", 0))
-- blocking, with a receive timeout: a ready socket costs one system call
assert(s:setsockopt("socket", "rcvtimeo", IDLE))
assert(s:setsockopt("socket", "rcvbuf", RCVBUF))
print(("port %d"):format(s:getsockname().port))
io.stdout:flush()
local n = 0
if mode == "recvfrom" then
  while true do
    local data, from = s:recvfrom(1500)
    if not data then break end
    n = n + 1
    local _ = from
  end
  report(n)
elseif mode == "recvmmsg" then
  local calls = 0
  while true do
    local datas, froms = s:recvmmsg(64, 1500)
    if not datas then break end
    n = n + #datas
    calls = calls + 1
    local _ = froms
  end
  report(n, calls)
else
  error("unknown mode " .. mode)
end
