-- lsock.udp.open: bind, connect and options in one call.
local lsock = require "lsock"
local S = require "spec.support_names"

-- A python3 UDP peer: sends "hi" to host, port and prints the reply.
local PYPEER = [[
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"hi", (host, port))
print(s.recv(100).decode(), flush=True)
]]

describe("lsock.udp.open()", function()
  it("binds the dual-stack wildcard and answers a python3 peer", function()
    local u = assert(lsock.udp.open({ bind = { "*", 0 }, timeout = 10 }))
    local cmd, file = S.python(PYPEER, "127.0.0.1", u:getsockname().port)
    local p = io.popen(cmd, "r")
    finally(function() u:close() os.remove(file) end)
    assert.equal("inet6", u:family())
    assert.equal("dgram", u:type())
    assert.is_false(u:getsockopt("ipv6", "v6only"))
    local data, from = assert(u:recvfrom(100))
    assert.equal("hi", data)
    assert.equal("::ffff:127.0.0.1", from.host)
    assert(u:sendto("HI", from))
    assert.equal("HI\n", p:read("a"))
    p:close()
  end)

  it("connects to a name and exchanges datagrams over IPv4 and IPv6", function()
    local srv = assert(lsock.udp.open({ bind = { nil, 0 }, timeout = 5 }))
    finally(function() srv:close() end)
    local port = srv:getsockname().port
    for _, host in ipairs({ "127.0.0.1", "::1", "localhost" }) do
      local c = assert(lsock.udp.open({ connect = { host, port },
        timeout = 5 }))
      assert.equal(3, c:send("abc"))
      local data, from = assert(srv:recvfrom(10))
      assert.equal("abc", data)
      assert.equal(c:getsockname().port, from.port)
      assert(srv:sendto("ok", from))
      assert.equal("ok", c:recv(10))
      c:close()
    end
  end)

  it("binds and connects in the same family", function()
    local srv = assert(lsock.udp.open({ bind = { "127.0.0.1", 0 } }))
    finally(function() srv:close() end)
    assert.equal("inet", srv:family())
    local c = assert(lsock.udp.open({ bind = { "*", 0 },
      connect = srv:getsockname() }))
    assert.equal("inet", c:family())
    assert.equal(srv:getsockname(), c:getpeername())
    c:close()
    local s, msg, code = lsock.udp.open({ bind = { "127.0.0.1", 0 },
      connect = { "::1", 9 } })
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.equal("number", type(code))
  end)

  -- SO_BROADCAST is only set and read back: nothing is sent, so no network
  -- namespace is needed (broadcast traffic runs in a netns: multicast_spec.lua).
  it("sets broadcast, reuseaddr and reuseport, IPv4 by default", function()
    local u = assert(lsock.udp.open({ broadcast = true, reuseaddr = true,
      reuseport = true }))
    finally(function() u:close() end)
    assert.equal("inet", u:family())
    assert.is_true(u:getsockopt("socket", "broadcast"))
    assert.is_true(u:getsockopt("socket", "reuseaddr"))
    assert.is_true(u:getsockopt("socket", "reuseport"))
  end)

  it("opens an unbound socket of the family asked", function()
    local u = assert(lsock.udp.open({ family = "inet" }))
    assert.equal("inet", u:family())
    u:close()
    u = assert(lsock.udp.open({ family = lsock.AF_INET6, v6only = true }))
    assert.equal("inet6", u:family())
    assert.is_true(u:getsockopt("ipv6", "v6only"))
    u:close()
    u = assert(lsock.udp.open())
    assert.equal("dgram", u:type())
    u:close()
  end)

  it("returns nil, msg, errno when the port is taken", function()
    local a = assert(lsock.udp.open({ bind = { "127.0.0.1", 0 } }))
    finally(function() a:close() end)
    local b, msg, code = lsock.udp.open({ bind = a:getsockname() })
    assert.is_nil(b)
    assert.equal("string", type(msg))
    assert.equal(lsock.errno.EADDRINUSE, code)
  end)

  it("raises on malformed address options", function()
    assert.has_error(function() lsock.udp.open({ bind = 5 }) end)
    assert.has_error(function() lsock.udp.open({ connect = "x" }) end)
  end)
end)
