-- TCP over IPv4 and IPv6 loopback: connect/accept, send/recv, end of
-- stream, sendall over partial sends, half-close, EPIPE and ECONNREFUSED,
-- and the small foundation option table.
local helper = require "helper"
local lsock = helper.lsock
local E = helper.E

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/tcp_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

-- A python3 reader that checks a numbered payload: one line per 64-byte
-- block, "%063d\n" % i.  It prints its port, reads to end of stream through
-- a small receive buffer, and answers "ok <bytes>" or "bad <bytes> <offset>".
local CHECKER = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "inet6" else socket.AF_INET
blocks = int(sys.argv[2])
l = socket.socket(family, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
l.bind((sys.argv[3], 0))
l.listen(1)
l.settimeout(20)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.settimeout(20)
got = bytearray()
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
want = b"".join(b"%063d\n" % i for i in range(blocks))
if got == want:
    c.sendall(b"ok %d" % len(got))
else:
    n = min(len(got), len(want))
    bad = next((i for i in range(n) if got[i] != want[i]), n)
    c.sendall(b"bad %d %d" % (len(got), bad))
c.close()
]]

local function payload(blocks)
  local t = {}
  for i = 0, blocks - 1 do t[#t + 1] = ("%063d\n"):format(i) end
  return table.concat(t)
end

for _, family in ipairs { "inet", "inet6" } do
  local host = helper.loopback[family]

  describe("TCP over " .. family, function()
    it("connects, accepts and exchanges data both ways", function()
      local l <close> = assert(lsock.socket(family, "stream"))
      assert(l:settimeout(helper.T))
      assert.is_true(l:bind(host, 0))
      assert.is_true(l:listen(8))
      local where = l:getsockname()
      assert.equal(family, where.family)
      assert.equal(host, where.host)
      assert.is_true(where.port > 0)

      local c <close> = assert(lsock.socket(family, "stream"))
      assert(c:settimeout(helper.T))
      assert.is_true(c:connect(host, where.port))
      local a <close>, peer = assert(l:accept())
      assert(a:settimeout(helper.T))
      assert.equal(c:getsockname(), peer)
      assert.equal(where, c:getpeername())
      assert.equal(where, a:getsockname())
      assert.equal(peer, a:getpeername())
      assert.equal("stream", a:type())
      assert.equal(family, a:family())

      assert.equal(5, c:send("hello"))
      assert.equal("hello", helper.recv_exactly(a, 5))
      assert.equal(6, a:send("world!"))
      assert.equal("world!", helper.recv_exactly(c, 6))
    end)

    it("connects to a sockaddr value", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      local d <close> = assert(lsock.socket(family, "stream"))
      assert(d:settimeout(helper.T))
      assert.is_true(d:connect(l:getsockname()))
      local b <close> = assert(l:accept())
      assert.equal(d:getsockname(), b:getpeername())
    end)

    it("recv returns at most n bytes and keeps the rest", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      assert.equal(10, c:sendall("0123456789"))
      assert.equal("0123", helper.recv_exactly(a, 4))
      assert.equal("456789", helper.recv_exactly(a, 6))
    end)

    it("recv returns \"\" once the peer has closed", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      assert(c:sendall("last words"))
      c:close()
      assert.equal("last words", helper.recv_exactly(a, 10))
      assert.equal("", a:recv(100))
      assert.equal("", a:recv(100))
    end)

    it("send takes i, j to send a slice, negative as in string.sub", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      assert.equal(3, c:send("abcdefgh", 0, 3, 5))
      assert.equal("cde", helper.recv_exactly(a, 3))
      assert.equal(2, c:send("abcdefgh", 0, -2))
      assert.equal("gh", helper.recv_exactly(a, 2))
      assert.equal(5, c:sendall("abcdefgh", 2, -3))
      assert.equal("bcdef", helper.recv_exactly(a, 5))
      assert.equal(2, c:sendall("abcdefgh", -2))
      assert.equal("gh", helper.recv_exactly(a, 2))
      assert.equal(0, c:sendall("abcdefgh", 5, 4))
    end)

    it("sendall pushes 16 MiB through a 4 KiB send buffer to a python reader", function()
      local blocks = 16 * 1024 * 1024 // 64
      local data = payload(blocks)
      for _, timeout in ipairs { helper.T * 4, false } do
        local p = helper.python(CHECKER, family, tostring(blocks), host)
        defer(function() p:cleanup() end)
        local port = math.tointeger(tonumber(p:line()))
        assert(port, p:stderr())
        local c <close> = assert(lsock.socket(family, "stream"))
        assert(c:setsockopt("socket", "sndbuf", 4096))
        -- A timeout makes the send path non-blocking inside, where short
        -- sends happen; without one the kernel blocks in a single send.
        if timeout then assert(c:settimeout(timeout)) end
        assert(c:connect(host, port))
        assert.equal(#data, c:sendall(data))
        assert.is_true(c:shutdown("wr"))
        c:settimeout(helper.T * 4)
        assert.equal("ok " .. #data, helper.recv_all(c))
        assert.equal(0, (p:wait()))
      end
    end)

    it("shutdown(\"wr\") half-closes: the peer sees the end, replies still arrive", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      assert(c:sendall("request"))
      assert.is_true(c:shutdown("wr"))
      assert.equal("request", helper.recv_all(a))
      assert.equal(8, a:sendall("response"))
      assert.is_true(a:shutdown("wr"))
      assert.equal("response", helper.recv_all(c))
    end)

    it("sending after our own shutdown(\"wr\") returns EPIPE, the process lives", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      assert(c:shutdown("wr"))
      local n, msg, err = c:send("x")
      assert.is_nil(n)
      assert.equal("string", type(msg))
      assert.equal(E.EPIPE, err)
      local ok, msg2, err2, sent = c:sendall("xyz")
      assert.is_nil(ok)
      assert.equal("string", type(msg2))
      assert.equal(E.EPIPE, err2)
      assert.equal(0, sent)
    end)

    it("writing to a closed peer returns EPIPE instead of killing the process", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      a:close()
      assert.equal("", c:recv(1)) -- the peer's FIN has arrived
      -- The first send draws an RST; a later one must fail with EPIPE.
      local n, msg, err
      for _ = 1, 50 do
        n, msg, err = c:send("x")
        if not n then break end
        helper.sleep(0.02)
      end
      assert.is_nil(n)
      assert.equal("string", type(msg))
      assert.equal(E.EPIPE, err)
    end)

    it("returns nil, msg, ECONNREFUSED when nobody listens", function()
      -- A bound socket that does not listen holds the port for us.
      local holder <close> = assert(lsock.socket(family, "stream"))
      assert(holder:bind(host, 0))
      local port = holder:getsockname().port
      for _, timeout in ipairs { false, helper.T } do
        local c <close> = assert(lsock.socket(family, "stream"))
        if timeout then assert(c:settimeout(timeout)) end
        local ok, msg, err = c:connect(host, port)
        assert.is_nil(ok)
        assert.equal("string", type(msg))
        assert.truthy(msg:lower():find("refused", 1, true))
        assert.equal(E.ECONNREFUSED, err)
      end
    end)

    it("bind returns nil, msg, EADDRINUSE for a port in use", function()
      local l <close> = assert(lsock.socket(family, "stream"))
      assert(l:bind(host, 0))
      assert(l:listen())
      local s <close> = assert(lsock.socket(family, "stream"))
      local ok, msg, err = s:bind(host, l:getsockname().port)
      assert.is_nil(ok)
      assert.equal("string", type(msg))
      assert.equal(E.EADDRINUSE, err)
    end)

    it("getpeername of an unconnected socket returns nil, msg, ENOTCONN", function()
      local s <close> = assert(lsock.socket(family, "stream"))
      local a, msg, err = s:getpeername()
      assert.is_nil(a)
      assert.equal("string", type(msg))
      assert.equal(E.ENOTCONN, err)
    end)

    it("an accepted socket inherits the listener's timeout", function()
      local c, a, l = helper.tcp_pair(family)
      defer(function() helper.close(c, a, l) end)
      assert(l:settimeout(1.5))
      local d <close> = assert(lsock.socket(family, "stream"))
      assert(d:connect(l:getsockname()))
      local b <close> = assert(l:accept())
      assert.equal(1.5, b:gettimeout())
      assert(l:settimeout(nil))
      local e <close> = assert(lsock.socket(family, "stream"))
      assert(e:connect(l:getsockname()))
      local f <close> = assert(l:accept())
      assert.is_nil(f:gettimeout())
    end)

    it("accept serves several pending clients in order", function()
      local l <close> = assert(lsock.socket(family, "stream"))
      assert(l:settimeout(helper.T))
      assert(l:bind(host, 0))
      assert(l:listen(4))
      local clients = {}
      for i = 1, 3 do
        clients[i] = assert(lsock.socket(family, "stream"))
        assert(clients[i]:connect(l:getsockname()))
      end
      defer(function() helper.close(table.unpack(clients)) end)
      for i = 1, 3 do
        local a <close>, peer = assert(l:accept())
        assert.equal(clients[i]:getsockname(), peer)
        assert.equal(peer, a:getpeername())
      end
    end)
  end)
end

describe("socket options (foundation table)", function()
  it("reuseaddr is a boolean, set by name or number", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    assert.is_false(s:getsockopt("socket", "reuseaddr"))
    assert.is_true(s:setsockopt("socket", "reuseaddr", true))
    assert.is_true(s:getsockopt("socket", "reuseaddr"))
    assert.is_true(s:setsockopt(lsock.SOL_SOCKET, lsock.SO_REUSEADDR, false))
    assert.is_false(s:getsockopt("socket", "reuseaddr"))
  end)

  it("reuseaddr lets a restarted server take a port left in TIME_WAIT", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:setsockopt("socket", "reuseaddr", true))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    l:settimeout(helper.T)
    local port = l:getsockname().port
    local c = assert(lsock.socket("inet", "stream"))
    c:settimeout(helper.T)
    assert(c:connect("127.0.0.1", port))
    local a = assert(l:accept())
    -- The server closing first leaves its end of the connection in TIME_WAIT.
    a:close()
    assert.equal("", c:recv(1))
    c:close()
    l:close()
    local t <close> = assert(lsock.socket("inet", "stream"))
    assert(t:setsockopt("socket", "reuseaddr", true))
    assert.is_true(t:bind("127.0.0.1", port))
    assert.is_true(t:listen())
  end)

  it("reuseaddr lets UDP sockets that all set it share a port", function()
    local a <close> = assert(lsock.socket("inet", "dgram"))
    assert(a:setsockopt("socket", "reuseaddr", true))
    assert(a:bind("127.0.0.1", 0))
    local port = a:getsockname().port
    local b <close> = assert(lsock.socket("inet", "dgram"))
    assert(b:setsockopt("socket", "reuseaddr", true))
    assert.is_true(b:bind("127.0.0.1", port))
    local c <close> = assert(lsock.socket("inet", "dgram"))
    local ok, _, err = c:bind("127.0.0.1", port)
    assert.is_nil(ok)
    assert.equal(E.EADDRINUSE, err)
  end)

  it("sndbuf and rcvbuf are integers the kernel adjusts", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    assert.is_true(s:setsockopt("socket", "sndbuf", 4096))
    local snd = s:getsockopt("socket", "sndbuf")
    assert.equal("integer", math.type(snd))
    assert.is_true(snd >= 4096 and snd <= 4 * 4096, snd)
    assert.is_true(s:setsockopt("socket", "rcvbuf", 8192))
    local rcv = s:getsockopt("socket", "rcvbuf")
    assert.equal("integer", math.type(rcv))
    assert.is_true(rcv >= 8192 and rcv <= 4 * 8192, rcv)
  end)

  it("error reads and clears the pending error", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    assert.equal(0, s:getsockopt("socket", "error"))
  end)
end)
