-- lsock.tcp: connect by name with fall-through, timeout and Happy
-- Eyeballs; dual-stack listen.  Peers are lsock sockets and python3.
local lsock = require "lsock"
local S = require "spec.support_names"

local ETIMEDOUT = lsock.errno.ETIMEDOUT
local ECONNREFUSED = lsock.errno.ECONNREFUSED

-- A python3 client: connects to host, port, sends "ping", prints the
-- reply and the local address it connected from.
local PYCLIENT = [[
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(10)
s.connect((host, port))
s.sendall(b"ping")
print(s.recv(100).decode(), s.getsockname()[1], flush=True)
]]

describe("lsock.tcp.listen()", function()
  it("with no host accepts IPv4 (python3) and IPv6 clients", function()
    local srv = assert(lsock.tcp.listen(nil, 0, { timeout = 10 }))
    local cmd, file = S.python(PYCLIENT, "127.0.0.1", srv:getsockname().port)
    local p = io.popen(cmd, "r")
    finally(function() srv:close() os.remove(file) end)
    assert.equal("inet6", srv:family())
    assert.equal("::", srv:getsockname().host)
    assert.is_false(srv:getsockopt("ipv6", "v6only"))

    local c4, peer4 = assert(srv:accept())
    c4:settimeout(10)
    assert.equal("ping", c4:recv(4))
    assert.equal("::ffff:127.0.0.1", peer4.host)
    c4:sendall("pong")
    local out = p:read("a")
    p:close()
    c4:close()
    local reply, pyport = out:match("^(%S+) (%d+)")
    assert.equal("pong", reply)
    assert.equal(peer4.port, tonumber(pyport))

    local c6 = assert(lsock.tcp.connect("::1", srv:getsockname().port,
      { timeout = 10 }))
    local a6, peer6 = assert(srv:accept())
    assert.equal("::1", peer6.host)
    assert.equal(c6:getsockname(), peer6)
    c6:close()
    a6:close()
  end)

  it("with v6only refuses IPv4 clients", function()
    local srv = assert(lsock.tcp.listen(nil, 0, { v6only = true }))
    finally(function() srv:close() end)
    assert.is_true(srv:getsockopt("ipv6", "v6only"))
    local port = srv:getsockname().port
    local s, msg, code = lsock.tcp.connect("127.0.0.1", port, { timeout = 5 })
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.equal(ECONNREFUSED, code)
    local c = assert(lsock.tcp.connect("::1", port, { timeout = 5 }))
    c:close()
  end)

  it("binds a named or numeric host in its family", function()
    local srv = assert(lsock.tcp.listen("127.0.0.1", 0))
    finally(function() srv:close() end)
    assert.equal("inet", srv:family())
    assert.equal("127.0.0.1", srv:getsockname().host)
    assert.is_true(srv:getsockopt("socket", "reuseaddr"))
    assert.is_true(srv:getsockopt("socket", "acceptconn"))
    local l6 = assert(lsock.tcp.listen("::1", "0", { reuseaddr = false }))
    assert.equal("[::1]", tostring(l6:getsockname()):match("^%[.-%]"))
    assert.is_false(l6:getsockopt("socket", "reuseaddr"))
    l6:close()
    local named = assert(lsock.tcp.listen("localhost", 0, { family = "inet" }))
    assert.equal("127.0.0.1", named:getsockname().host)
    named:close()
  end)

  it("sets reuseport and honours family = inet for the wildcard", function()
    local srv = assert(lsock.tcp.listen(nil, 0,
      { reuseport = true, family = "inet", backlog = 4 }))
    finally(function() srv:close() end)
    assert.equal("inet", srv:family())
    assert.equal("0.0.0.0", srv:getsockname().host)
    assert.is_true(srv:getsockopt("socket", "reuseport"))
  end)

  it("returns nil, msg, EADDRINUSE for a port in use", function()
    local srv = assert(lsock.tcp.listen("127.0.0.1", 0))
    finally(function() srv:close() end)
    local s, msg, code = lsock.tcp.listen("127.0.0.1", srv:getsockname().port)
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.equal(lsock.errno.EADDRINUSE, code)
  end)

  it("returns getaddrinfo's failure for a bad host", function()
    local s, msg, code = lsock.tcp.listen("no-such-host.invalid", 0)
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.is_true(code < 0, tostring(code))
  end)
end)

describe("lsock.tcp.connect()", function()
  it("connects by name and returns a blocking socket", function()
    local srv = assert(lsock.tcp.listen("127.0.0.1", 0))
    finally(function() srv:close() end)
    local c = assert(lsock.tcp.connect("localhost", srv:getsockname().port,
      { timeout = 5, nodelay = true }))
    assert.is_nil(c:gettimeout())
    assert.is_true(c:getsockopt("tcp", "nodelay"))
    local a = assert(srv:accept())
    assert.equal(4, c:send("data"))
    assert.equal("data", a:recv(4))
    a:close()
    c:close()
  end)

  it("falls through an address that refuses to one that accepts", function()
    local srv = assert(lsock.tcp.listen("127.0.0.1", 0))
    finally(function() srv:close() end)
    local dead = lsock.addr("127.0.0.1", S.deadport(lsock, "127.0.0.1"))
    local good = srv:getsockname()
    local c = assert(lsock.tcp.connect({ dead, dead, good }, nil,
      { timeout = 5 }))
    assert.equal(good, c:getpeername())
    c:close()
  end)

  it("names the last failure when every address refuses", function()
    local d4 = S.deadport(lsock, "127.0.0.1")
    local d6 = S.deadport(lsock, "::1")
    local s, msg, code = lsock.tcp.connect(
      { lsock.addr("::1", d6), lsock.addr("127.0.0.1", d4) }, nil,
      { timeout = 5 })
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.equal(ECONNREFUSED, code)
    s, msg, code = lsock.tcp.connect("127.0.0.1", d4)
    assert.is_nil(s)
    assert.equal("Connection refused", msg)
    assert.equal(ECONNREFUSED, code)
  end)

  it("times out on an address that never answers", function()
    local bh, port, fill = S.blackhole(lsock, "127.0.0.1")
    finally(function() bh:close() S.closeall(fill) end)
    local s, msg, code = lsock.tcp.connect("127.0.0.1", port,
      { timeout = 0.3 })
    assert.is_nil(s)
    assert.equal("timeout", msg)
    assert.equal(ETIMEDOUT, code)
  end)

  it("starts the IPv4 attempt while IPv6 hangs (Happy Eyeballs)", function()
    -- Without staggered attempts the hanging IPv6 connect would use the
    -- whole timeout (a SYN to a full backlog is retried for minutes).
    local bh, port, fill = S.blackhole(lsock, "::1")
    local srv = assert(lsock.tcp.listen("127.0.0.1", 0))
    finally(function() bh:close() srv:close() S.closeall(fill) end)
    local good = srv:getsockname()
    local c = assert(lsock.tcp.connect({ lsock.addr("::1", port), good }, nil,
      { timeout = 10 }))
    assert.equal(good, c:getpeername())
    c:close()
  end)

  it("staggers the attempts of one family too (issue 15)", function()
    -- Same family: the second address starts 250 ms after the hanging
    -- first one instead of waiting for it (which would use up the
    -- timeout).  spec/happy_eyeballs_spec.lua times it.
    local bh, port, fill = S.blackhole(lsock, "127.0.0.1")
    local srv = assert(lsock.tcp.listen("127.0.0.1", 0))
    finally(function() bh:close() srv:close() S.closeall(fill) end)
    local c = assert(lsock.tcp.connect(
      { lsock.addr("127.0.0.1", port), srv:getsockname() }, nil,
      { timeout = 3 }))
    assert.equal(srv:getsockname(), c:getpeername())
    c:close()
  end)

  it("keeps to opts.family", function()
    local srv = assert(lsock.tcp.listen(nil, 0))
    finally(function() srv:close() end)
    local port = srv:getsockname().port
    local c = assert(lsock.tcp.connect(
      { lsock.addr("::1", port), lsock.addr("127.0.0.1", port) }, nil,
      { family = "inet" }))
    assert.equal("inet", c:family())
    c:close()
    c = assert(lsock.tcp.connect("::1", port, { family = lsock.AF_INET6 }))
    assert.equal("inet6", c:family())
    c:close()
    local s, msg, code = lsock.tcp.connect("::1", port, { family = "inet" })
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.is_true(code < 0, tostring(code))   -- an EAI_ code
  end)

  it("binds opts.localaddr first", function()
    local srv = assert(lsock.tcp.listen(nil, 0))
    finally(function() srv:close() end)
    local port = srv:getsockname().port
    local c = assert(lsock.tcp.connect("127.0.0.1", port,
      { localaddr = { "127.0.0.1", 0 } }))
    assert.equal("127.0.0.1", c:getsockname().host)
    c:close()
    c = assert(lsock.tcp.connect("::1", port, { ["local"] = { "::1", 0 } }))
    assert.equal("::1", c:getsockname().host)
    c:close()
    local lport = S.deadport(lsock, "::1")
    c = assert(lsock.tcp.connect("::1", port,
      { localaddr = lsock.addr("::1", lport) }))
    assert.equal(lport, c:getsockname().port)
    c:close()
    -- An IPv4 local address restricts the attempts to IPv4.
    c = assert(lsock.tcp.connect(
      { lsock.addr("::1", port), lsock.addr("127.0.0.1", port) }, nil,
      { localaddr = lsock.addr("127.0.0.1", 0) }))
    assert.equal("inet", c:family())
    c:close()
  end)

  it("returns getaddrinfo's failure for a name that does not resolve", function()
    local s, msg, code = lsock.tcp.connect("no-such-host.invalid", 80,
      { timeout = 5 })
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.is_true(code < 0, tostring(code))
  end)

  it("raises on a bad localaddr or a missing port", function()
    assert.has_error(function()
      lsock.tcp.connect("127.0.0.1", 1, { localaddr = 5 })
    end)
    assert.error_matches(function() lsock.tcp.connect("127.0.0.1") end,
      "port expected")
  end)
end)
