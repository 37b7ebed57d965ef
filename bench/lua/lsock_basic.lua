-- The lsock side of the six basic workloads (see bench/c/*.c for the
-- peers and their protocols).  Written the way a user would write it:
-- method calls, blocking sockets, results checked.
-- Usage: lua5.4 bench/lua/lsock_basic.lua WORKLOAD PORT|PATH [BYTES]
local lsock = require "lsock"

local MAXOPS = 100000000

local function peakrss()
  local f = assert(io.open("/proc/self/status"))
  local kb = f:read("a"):match("VmHWM:%s*(%d+)")
  f:close()
  return kb
end

-- A blocking socket that gives up after 5 s without data, so a broken
-- peer ends the run instead of hanging it.
local function guard(s)
  assert(s:setsockopt("socket", "rcvtimeo", 5))
  return s
end

local W = {}

function W.pingpong(port)
  local s = guard(assert(lsock.socket("inet", "dgram")))
  assert(s:connect("127.0.0.1", port))
  local msg = string.rep("a", 32)
  local stop = "!" .. msg:sub(2)
  local ops = 0
  for _ = 1, MAXOPS do
    assert(s:send(msg) == 32)
    local r = assert(s:recv(2048))
    ops = ops + 1
    if r ~= msg then
      assert(r == stop, "wrong reply")
      break
    end
  end
  return ops
end

function W.blast(port)
  local s = guard(assert(lsock.socket("inet", "dgram")))
  assert(s:connect("127.0.0.1", port))
  assert(s:send("hello"))
  local n = 0
  for _ = 1, MAXOPS do
    local r = assert(s:recv(2048))
    if #r == 64 then n = n + 1
    elseif r == "stop" then break
    else error("wrong datagram") end
  end
  assert(s:send("count " .. n))
  return n
end

function W.bulk(port, bytes)
  local s = guard(assert(lsock.socket("inet", "stream")))
  assert(s:connect("127.0.0.1", port))
  local chunk = string.rep("s", 65536)
  local half = bytes // 2
  local sent, got = 0, 0
  while sent < half do
    local n = math.min(65536, half - sent)
    sent = sent + assert(s:sendall(chunk, 1, n))
  end
  for _ = 1, MAXOPS do
    local r = assert(s:recv(65536))
    if r == "" then break end
    got = got + #r
  end
  assert(s:send("k"))
  return sent + got, ("sent=%d received=%d"):format(sent, got)
end

local function rr(s)
  local msg = string.rep("q", 64)
  local stop = "!" .. msg:sub(2)
  local ops = 0
  for _ = 1, MAXOPS do
    assert(s:send(msg) == 64)
    local r = assert(s:recv(64))
    while #r < 64 do  -- a stream may deliver the reply in pieces
      local more = assert(s:recv(64 - #r))
      assert(more ~= "", "peer closed")
      r = r .. more
    end
    ops = ops + 1
    if r ~= msg then
      assert(r == stop, "wrong reply")
      break
    end
  end
  return ops
end

function W.tcp_rr(port)
  local s = guard(assert(lsock.socket("inet", "stream")))
  assert(s:setsockopt("tcp", "nodelay", true))
  assert(s:connect("127.0.0.1", port))
  return rr(s)
end

function W.unix_rr(path)
  local s = guard(assert(lsock.socket("unix", "stream")))
  assert(s:connect(path))
  return rr(s)
end

function W.conn(port)
  local addr = assert(lsock.addr("127.0.0.1", port))
  local ops = 0
  for _ = 1, MAXOPS do
    local s = assert(lsock.socket("inet", "stream"))
    assert(s:connect(addr))
    assert(s:send("x") == 1)
    local r = assert(s:recv(1))
    s:close()
    ops = ops + 1
    if r ~= "x" then
      assert(r == "!", "wrong reply")
      break
    end
  end
  return ops
end

local name, where, bytes = ...
local run = assert(W[name], "unknown workload")
local c0 = os.clock()  -- CPU time of the process, as the C side's
local ops, extra = run(tonumber(where) or where, tonumber(bytes))
print(("ops=%d rss_kb=%s cpu=%.6f %s"):format(ops, peakrss(), os.clock() - c0,
                                           extra or ""))
