-- Interoperability: python3's socket module on the other end of TCP and UDP
-- exchanges, as client and as server, over IPv4 and IPv6 loopback.
local helper = require "helper"
local lsock = helper.lsock

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/interop_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

-- A TCP server: prints its port, serves one client by replying
-- "python got <data>" to everything it reads, then closes.
local PY_TCP_SERVER = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "inet6" else socket.AF_INET
l = socket.socket(family, socket.SOCK_STREAM)
l.bind((sys.argv[2], 0))
l.listen(1)
l.settimeout(20)
print(l.getsockname()[1], flush=True)
c, peer = l.accept()
c.settimeout(20)
data = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
c.sendall(b"python got " + data)
c.close()
print("peer", peer[0], peer[1], flush=True)
]]

-- A TCP client: connects to argv's address, sends a line, half-closes and
-- prints what comes back.
local PY_TCP_CLIENT = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "inet6" else socket.AF_INET
c = socket.socket(family, socket.SOCK_STREAM)
c.settimeout(20)
c.connect((sys.argv[2], int(sys.argv[3])))
c.sendall(sys.argv[4].encode())
c.shutdown(socket.SHUT_WR)
reply = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    reply += b
print(reply.decode(), flush=True)
print("local", c.getsockname()[1], flush=True)
]]

-- A UDP server: prints its port, then answers n datagrams with
-- "<i>:<data reversed>" to their senders.
local PY_UDP_SERVER = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "inet6" else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 0))
s.settimeout(20)
print(s.getsockname()[1], flush=True)
for i in range(1, int(sys.argv[3]) + 1):
    data, peer = s.recvfrom(65536)
    s.sendto(b"%d:" % i + data[::-1], peer)
    print("from", peer[1], flush=True)
]]

-- A UDP client: sends each argument as a datagram and prints each reply
-- with the replier's port.
local PY_UDP_CLIENT = [[
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "inet6" else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(20)
for msg in sys.argv[4:]:
    s.sendto(msg.encode(), (sys.argv[2], int(sys.argv[3])))
    data, peer = s.recvfrom(65536)
    print(data.decode(), peer[1], flush=True)
]]

for _, family in ipairs { "inet", "inet6" } do
  local host = helper.loopback[family]

  describe("interoperability with python3 over " .. family, function()
    it("a lsock TCP client talks to a python server", function()
      local p = helper.python(PY_TCP_SERVER, family, host)
      defer(function() p:cleanup() end)
      local port = math.tointeger(tonumber(p:line()))
      assert(port, p:stderr())
      local c <close> = assert(lsock.socket(family, "stream"))
      assert(c:settimeout(helper.T))
      assert(c:connect(host, port))
      assert.equal(13, c:sendall("hello, python"))
      assert(c:shutdown("wr"))
      assert.equal("python got hello, python", helper.recv_all(c))
      local out, code = p:finish()
      assert.equal(0, code, p:stderr())
      local name = c:getsockname()
      assert.equal(("peer %s %d\n"):format(name.host, name.port), out)
    end)

    it("a python TCP client talks to a lsock server", function()
      local l <close> = assert(lsock.socket(family, "stream"))
      assert(l:settimeout(helper.T))
      assert(l:bind(host, 0))
      assert(l:listen())
      local p = helper.python(PY_TCP_CLIENT, family, host,
        tostring(l:getsockname().port), "hello, lsock")
      defer(function() p:cleanup() end)
      local a <close>, peer = assert(l:accept())
      assert(a:settimeout(helper.T))
      assert.equal("hello, lsock", helper.recv_all(a))
      assert.equal(16, a:sendall("lsock got it all"))
      a:close()
      local out, code = p:finish()
      assert.equal(0, code, p:stderr())
      assert.equal(("lsock got it all\nlocal %d\n"):format(peer.port), out)
    end)

    it("a lsock UDP client talks to a python server", function()
      local p = helper.python(PY_UDP_SERVER, family, host, "2")
      defer(function() p:cleanup() end)
      local port = math.tointeger(tonumber(p:line()))
      assert(port, p:stderr())
      local s <close> = assert(lsock.socket(family, "dgram"))
      assert(s:settimeout(helper.T))
      local server = assert(lsock.addr(host, port))
      for i, msg in ipairs { "abc", "hello" } do
        assert.equal(#msg, s:sendto(msg, server))
        local data, from = s:recvfrom(100)
        assert.equal(i .. ":" .. msg:reverse(), data)
        assert.equal(server, from)
      end
      local out, code = p:finish()
      assert.equal(0, code, p:stderr())
      local mine = s:getsockname().port
      assert.equal(("from %d\nfrom %d\n"):format(mine, mine), out)
    end)

    it("a python UDP client talks to a lsock server", function()
      local s <close> = helper.udp(family)
      local port = s:getsockname().port
      local p = helper.python(PY_UDP_CLIENT, family, host, tostring(port), "one", "two", "three")
      defer(function() p:cleanup() end)
      local senders = {}
      for i = 1, 3 do
        local data, from = s:recvfrom(100)
        assert(data, from)
        assert.equal(host, from.host)
        senders[i] = from
        assert(s:sendto(data:upper() .. "!", from))
      end
      assert.equal(senders[1], senders[3])
      local out, code = p:finish()
      assert.equal(0, code, p:stderr())
      assert.equal(("ONE! %d\nTWO! %d\nTHREE! %d\n"):format(port, port, port), out)
    end)
  end)
end
