-- The life of a socket: creation, close, <close>, collection, detach,
-- fromfd, dup, and what tostring says in each state.
local helper = require "helper"
local lsock = helper.lsock
local E = helper.E

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/lifecycle_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

describe("lsock.socket()", function()
  it("makes sockets from names and from numbers", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    assert.equal("inet", s:family())
    assert.equal("stream", s:type())
    assert.equal("integer", math.type(s:protocol()))
    local t <close> = assert(lsock.socket(lsock.AF_INET6, lsock.SOCK_DGRAM))
    assert.equal("inet6", t:family())
    assert.equal("dgram", t:type())
    local u <close> = assert(lsock.socket("unix", "seqpacket"))
    assert.equal("unix", u:family())
    assert.equal("seqpacket", u:type())
  end)

  it("takes a protocol by name or number", function()
    local s <close> = assert(lsock.socket("inet", "stream", "tcp"))
    assert.equal(lsock.IPPROTO_TCP, s:protocol())
    local t <close> = assert(lsock.socket("inet6", "dgram", lsock.IPPROTO_UDP))
    assert.equal(17, t:protocol())
  end)

  it("makes a non-blocking socket from a type or'ed with SOCK_NONBLOCK", function()
    local s <close> = assert(lsock.socket("inet", lsock.SOCK_DGRAM | lsock.SOCK_NONBLOCK))
    assert.equal("dgram", s:type())
    assert.equal(0, s:gettimeout())
  end)

  it("returns an open descriptor as an integer", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    local fd = s:fileno()
    assert.equal("integer", math.type(fd))
    assert.is_true(fd > 2)
    assert.is_true(helper.fd_is_open(fd))
  end)

  it("returns nil, msg, errno when the system refuses", function()
    -- TCP over a datagram socket is a protocol the kernel does not support.
    local s, msg, err = lsock.socket("inet", "dgram", "tcp")
    assert.is_nil(s)
    assert.equal("string", type(msg))
    assert.equal(E.EPROTONOSUPPORT, err)
  end)
end)

describe("socket:close()", function()
  it("returns true, closes the descriptor, and is harmless twice", function()
    local s = assert(lsock.socket("inet", "stream"))
    local fd = s:fileno()
    assert.is_true(s:close())
    assert.is_false(helper.fd_is_open(fd))
    assert.is_true(s:close())
  end)

  it("does not close a descriptor reused by another socket when repeated", function()
    collectgarbage() -- no dropped socket may free a lower descriptor below
    local s = assert(lsock.socket("inet", "stream"))
    local fd = s:fileno()
    s:close()
    local t <close> = assert(lsock.socket("inet", "stream"))
    assert.equal(fd, t:fileno())  -- the kernel hands out the lowest free number
    s:close()
    assert.is_true(helper.fd_is_open(fd))
    assert.equal("inet", t:family())
  end)

  it("makes every other method raise", function()
    local s = assert(lsock.socket("inet", "stream"))
    s:close()
    assert.error_matches(function() s:fileno() end, "attempt to use a closed socket", 1, true)
    assert.error_matches(function() s:bind("127.0.0.1", 0) end, "closed socket", 1, true)
    assert.error_matches(function() s:recv(1) end, "closed socket", 1, true)
  end)
end)

describe("a <close> socket", function()
  it("is closed when its block ends", function()
    local fd, outer
    do
      local s <close> = assert(lsock.socket("inet", "dgram"))
      fd, outer = s:fileno(), s
      assert.is_true(helper.fd_is_open(fd))
    end
    assert.is_false(helper.fd_is_open(fd))
    assert.truthy(tostring(outer):find("closed", 1, true))
  end)

  it("is closed when its block ends by an error", function()
    local fd
    local ok = pcall(function()
      local s <close> = assert(lsock.socket("inet", "dgram"))
      fd = s:fileno()
      error("boom")
    end)
    assert.is_false(ok)
    assert.is_false(helper.fd_is_open(fd))
  end)
end)

describe("garbage collection", function()
  it("closes the descriptor of an unreachable socket", function()
    local fd = assert(lsock.socket("inet", "stream")):fileno()
    assert.is_true(helper.fd_is_open(fd))
    collectgarbage()
    collectgarbage()
    assert.is_false(helper.fd_is_open(fd))
  end)

  it("leaves the socket descriptor count unchanged after many dropped sockets", function()
    collectgarbage()
    local before = helper.socket_count()
    local keep = {}
    for i = 1, 50 do keep[i] = assert(lsock.socket("inet", "stream")) end
    assert.equal(before + 50, helper.socket_count()) -- live ones are counted
    assert.equal(50, #keep)
    keep = nil -- luacheck: ignore 311
    for _ = 1, 100 do
      assert(lsock.socket("inet", "stream"))
      assert(lsock.socketpair("unix", "stream"))
    end
    collectgarbage()
    collectgarbage()
    assert.equal(before, helper.socket_count())
  end)

  it("does not close a socket that was closed explicitly (no double close)", function()
    collectgarbage() -- no dropped socket may free a lower descriptor below
    local s = assert(lsock.socket("inet", "stream"))
    local fd = s:fileno()
    s:close()
    s = nil -- luacheck: ignore 311
    local t <close> = assert(lsock.socket("inet", "stream"))
    assert.equal(fd, t:fileno())
    collectgarbage()
    collectgarbage()
    assert.is_true(helper.fd_is_open(fd))
  end)
end)

describe("socket:detach() and lsock.fromfd()", function()
  it("detach returns the descriptor, leaves it open and closes the socket", function()
    local s = assert(lsock.socket("inet", "stream"))
    local fd = s:fileno()
    assert.equal(fd, s:detach())
    assert.truthy(tostring(s):find("closed", 1, true))
    assert.error_matches(function() s:fileno() end, "closed socket", 1, true)
    assert.is_true(s:close())
    s = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_true(helper.fd_is_open(fd))
    assert.is_true(lsock.close(fd))
    assert.is_false(helper.fd_is_open(fd))
  end)

  it("fromfd wraps a descriptor with its family and type, and owns it", function()
    local s = assert(lsock.socket("inet6", "dgram"))
    local fd = s:detach()
    local t = assert(lsock.fromfd(fd))
    assert.equal(fd, t:fileno())
    assert.equal("inet6", t:family())
    assert.equal("dgram", t:type())
    assert.is_true(t:bind("::1", 0))
    assert.equal("::1", t:getsockname().host)
    t = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_false(helper.fd_is_open(fd))
  end)

  it("moves a connected socket without disturbing the connection", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    local moved <close> = assert(lsock.fromfd(c:detach()))
    assert.equal(5, moved:send("hello"))
    assert.equal("hello", helper.recv_exactly(a, 5))
    assert.equal(a:getsockname(), moved:getpeername())
  end)

  it("lsock.close(fd) reports EBADF for a descriptor that is not open", function()
    local s = assert(lsock.socket("inet", "stream"))
    local fd = s:detach()
    assert.is_true(lsock.close(fd))
    local ok, msg, err = lsock.close(fd)
    assert.is_nil(ok)
    assert.equal("string", type(msg))
    assert.equal(E.EBADF, err)
  end)
end)

describe("socket:dup()", function()
  it("makes an independent socket on the same connection", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    local d <close> = assert(c:dup())
    assert.are_not.equal(c:fileno(), d:fileno())
    assert.equal("inet", d:family())
    assert.equal("stream", d:type())
    c:close()
    -- The connection lives on through the duplicate.
    assert.equal(4, d:send("ping"))
    assert.equal("ping", helper.recv_exactly(a, 4))
    assert.equal(4, a:send("pong"))
    assert.equal("pong", helper.recv_exactly(d, 4))
  end)

  it("gives the duplicate its own descriptor, closed by its own close", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    local d = assert(s:dup())
    local fd = d:fileno()
    d:close()
    assert.is_false(helper.fd_is_open(fd))
    assert.is_true(helper.fd_is_open(s:fileno()))
  end)
end)

describe("socket:dup() and timeouts", function()
  -- A descriptor and its dup share one open file, and so one O_NONBLOCK
  -- flag; each socket must keep its own timeout all the same.  SO_RCVTIMEO
  -- bounds the kernel's wait, so a failure here cannot hang.
  it("keeps a socket's timeout when its dup is made blocking", function()
    local a, b = lsock.socketpair("unix", "stream")
    defer(function() helper.close(a, b) end)
    assert(a:settimeout(0.3))
    assert(a:setsockopt("socket", "rcvtimeo", 3))
    local d <close> = assert(a:dup())
    assert(d:settimeout(nil))
    local t0 = helper.now()
    local data, msg, err = a:recv(1)
    local dt = helper.now() - t0
    assert.is_nil(data)
    assert.equal("timeout", msg)
    assert.equal(helper.E.ETIMEDOUT, err)
    assert(dt < 1.5, ("a 0.3 s timeout took %.2f s"):format(dt))
  end)

  it("keeps a blocking socket blocking when its dup is made non-blocking", function()
    local a, b = lsock.socketpair("unix", "stream")
    defer(function() helper.close(a, b) end)
    assert(a:setsockopt("socket", "rcvtimeo", 0.5))
    local d <close> = assert(a:dup())
    assert(d:settimeout(0))
    local t0 = helper.now()
    local data, _, err = a:recv(1)
    local dt = helper.now() - t0
    -- Blocking: the kernel waits the whole SO_RCVTIMEO before EAGAIN.
    assert.is_nil(data)
    assert.equal(helper.E.EAGAIN, err)
    assert(dt >= 0.4, ("a blocking recv returned after %.2f s"):format(dt))
  end)
end)

describe("tostring(socket)", function()
  local function has(s, text)
    local str = tostring(s)
    assert(str:find(text, 1, true), ("%q not found in %q"):format(text, str))
  end

  it("shows family, type and fd of a fresh socket", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    has(s, "inet")
    has(s, "stream")
    has(s, "fd=" .. s:fileno())
  end)

  it("shows the local address once bound", function()
    local s <close> = assert(lsock.socket("inet", "dgram"))
    assert(s:bind("127.0.0.1", 0))
    has(s, "dgram")
    has(s, "127.0.0.1:" .. s:getsockname().port)
  end)

  it("shows both addresses of a connected socket", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    has(c, tostring(c:getsockname()))
    has(c, tostring(l:getsockname()))
    has(a, tostring(c:getsockname()))
  end)

  it("shows IPv6 and unix sockets", function()
    local s <close> = assert(lsock.socket("inet6", "stream"))
    assert(s:bind("::1", 0))
    has(s, "inet6")
    has(s, "[::1]:" .. s:getsockname().port)
    local path, remove = helper.tmppath()
    defer(remove)
    local u <close> = assert(lsock.socket("unix", "dgram"))
    assert(u:bind(path))
    has(u, "unix")
    has(u, path)
  end)

  it("says closed after close and after detach", function()
    local s = assert(lsock.socket("inet", "stream"))
    s:close()
    has(s, "closed")
    local t = assert(lsock.socket("inet", "stream"))
    lsock.close(t:detach())
    has(t, "closed")
  end)
end)
