-- Costs of the name services and of lsock.tcp.connect on loopback.
-- usage: LUA_PATH=... LUA_CPATH=... lua5.4 bench/names_bench.lua
-- Prints microseconds per call; the Happy Eyeballs line is the time to
-- reach IPv4 while the IPv6 address never answers (ideally the 250 ms
-- attempt delay plus a loopback connect).
local lsock = require "lsock"
local now = lsock.monotime

local function bench(name, n, fn)
  fn()
  local t0 = now()
  for _ = 1, n do fn() end
  print(("%-40s %10.2f us/call"):format(name, (now() - t0) / n * 1e6))
end

bench("getaddrinfo('localhost', 80)", 2000, function()
  assert(lsock.getaddrinfo("localhost", 80, { socktype = "stream" }))
end)
bench("getaddrinfo('127.0.0.1', 80) numeric", 20000, function()
  assert(lsock.getaddrinfo("127.0.0.1", 80, { flags = "numerichost" }))
end)
bench("getnameinfo numeric", 20000, function()
  lsock.getnameinfo(lsock.addr("::1", 80), "numerichost numericserv")
end)
local b6 = lsock.inet_pton("inet6", "2001:db8::1")
bench("inet_pton + inet_ntop (inet6)", 200000, function()
  lsock.inet_ntop("inet6", lsock.inet_pton("inet6", "2001:db8::1") or b6)
end)

local srv = assert(lsock.tcp.listen("127.0.0.1", 0, { backlog = 512 }))
local addr = srv:getsockname()
bench("socket + connect + close (raw)", 2000, function()
  local s = lsock.socket("inet", "stream")
  assert(s:connect(addr))
  s:close()
  srv:accept():close()
end)
bench("lsock.tcp.connect(sockaddr) + close", 2000, function()
  lsock.tcp.connect(addr):close()
  srv:accept():close()
end)
bench("lsock.tcp.connect('127.0.0.1') + close", 2000, function()
  lsock.tcp.connect("127.0.0.1", addr.port):close()
  srv:accept():close()
end)

-- Happy Eyeballs: an IPv6 listener whose backlog is full drops SYNs.
local bh = assert(lsock.socket("inet6", "stream"))
assert(bh:bind("::1", 0))
assert(bh:listen(0))
local fill = {}
for i = 1, 3 do
  fill[i] = lsock.socket("inet6", "stream")
  fill[i]:settimeout(0)
  fill[i]:connect(bh:getsockname())
end
local t0 = now()
local c = assert(lsock.tcp.connect({ bh:getsockname(), addr }, nil,
  { timeout = 5 }))
print(("%-40s %10.1f ms"):format("Happy Eyeballs fallback to IPv4",
  (now() - t0) * 1e3))
c:close()
