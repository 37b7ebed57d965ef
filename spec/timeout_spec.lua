-- Timeouts and non-blocking sockets: each call waits at most the timeout and
-- then returns nil, "timeout", ETIMEDOUT; timeout 0 returns EAGAIN at once.
local helper = require "helper"
local lsock = helper.lsock
local E = helper.E

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/timeout_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

-- Asserts a timeout result and that it took `t` seconds, within tolerance.
local function assert_timeout(t, fn)
  local t0 = helper.now()
  local r, msg, err, extra = fn()
  local dt = helper.now() - t0
  assert.is_nil(r)
  assert.equal("timeout", msg)
  assert.equal(E.ETIMEDOUT, err)
  assert(dt >= t - 0.05, ("returned after %.2f s, before the %.2f s timeout"):format(dt, t))
  assert(dt <= t + 1.0, ("returned after %.2f s, timeout was %.2f s"):format(dt, t))
  return extra
end

-- Asserts a would-block result, returned without waiting.
local function assert_eagain(fn)
  local t0 = helper.now()
  local r, msg, err, extra = fn()
  assert.is_nil(r)
  assert.equal("string", type(msg))
  assert.equal(E.EAGAIN, err)
  assert(helper.now() - t0 < 0.5, "a non-blocking call waited")
  return extra
end

describe("socket:settimeout()", function()
  it("is nil (blocking) by default and returns what was set", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    assert.is_nil(s:gettimeout())
    assert.is_true(s:settimeout(0.25))
    assert.equal(0.25, s:gettimeout())
    assert.is_true(s:settimeout(0))
    assert.equal(0, s:gettimeout())
    assert.is_true(s:settimeout(2))
    assert.equal(2, s:gettimeout())
    assert.is_true(s:settimeout(nil))
    assert.is_nil(s:gettimeout())
    assert.is_true(s:settimeout(1))
    assert.is_true(s:settimeout())
    assert.is_nil(s:gettimeout())
  end)

  it("makes recv return nil, \"timeout\", ETIMEDOUT", function()
    local a, b = lsock.socketpair("unix", "stream")
    defer(function() helper.close(a, b) end)
    assert(a:settimeout(0.3))
    assert_timeout(0.3, function() return a:recv(10) end)
  end)

  it("leaves the socket usable after a timeout", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    assert(a:settimeout(0.2))
    assert_timeout(0.2, function() return a:recv(10) end)
    assert(c:sendall("late"))
    assert.equal("late", helper.recv_exactly(a, 4))
  end)

  it("applies to each call, not to a sequence of calls", function()
    local a, b = lsock.socketpair("unix", "stream")
    defer(function() helper.close(a, b) end)
    assert(a:settimeout(0.2))
    for _ = 1, 3 do
      assert_timeout(0.2, function() return a:recv(10) end)
    end
  end)

  it("bounds accept", function()
    local l <close> = assert(lsock.socket("inet6", "stream"))
    assert(l:bind("::1", 0))
    assert(l:listen())
    assert(l:settimeout(0.3))
    assert_timeout(0.3, function() return l:accept() end)
  end)

  it("bounds recvfrom", function()
    local s <close> = helper.udp("inet")
    assert(s:settimeout(0.25))
    assert_timeout(0.25, function() return s:recvfrom(100) end)
  end)

  it("bounds connect to a listener whose backlog is full", function()
    local l <close> = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen(0))
    local where = l:getsockname()
    -- The kernel drops SYNs to a listener whose accept queue is full, so
    -- after the queue fills a connect waits for an answer that never comes.
    local clients = {}
    defer(function() helper.close(table.unpack(clients)) end)
    local timed_out = false
    for i = 1, 8 do
      local c = assert(lsock.socket("inet", "stream"))
      clients[i] = c
      assert(c:settimeout(0.3))
      local t0 = helper.now()
      local ok, msg, err = c:connect(where)
      if not ok then
        local dt = helper.now() - t0
        assert.equal("timeout", msg)
        assert.equal(E.ETIMEDOUT, err)
        assert(dt >= 0.25 and dt <= 1.3, ("connect gave up after %.2f s"):format(dt))
        timed_out = true
        break
      end
    end
    assert.is_true(timed_out)
  end)

  it("lets connect with a timeout succeed when the peer listens", function()
    local l <close> = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    local c <close> = assert(lsock.socket("inet", "stream"))
    assert(c:settimeout(0.5))
    assert.is_true(c:connect(l:getsockname()))
    assert.equal(l:getsockname(), c:getpeername())
  end)

  it("bounds sendall to a reader that never reads, reporting what was sent", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    assert(c:setsockopt("socket", "sndbuf", 4096))
    assert(c:settimeout(0.3))
    local data = ("x"):rep(8 * 1024 * 1024)
    local sent = assert_timeout(0.3, function() return c:sendall(data) end)
    assert.equal("integer", math.type(sent))
    assert(sent > 0 and sent < #data, sent)
    -- A plain send also times out once nothing more fits (the receiver's
    -- window may still open a little first).
    local extra, r = 0, nil
    for _ = 1, 100 do
      local t0 = helper.now()
      local msg, err
      r, msg, err = c:send(("z"):rep(65536))
      if not r then
        assert.equal("timeout", msg)
        assert.equal(E.ETIMEDOUT, err)
        assert(helper.now() - t0 >= 0.25, "send gave up early")
        break
      end
      extra = extra + r
    end
    assert.is_nil(r)
    -- Exactly what was reported went out.
    c:close()
    assert.equal(sent + extra, #helper.recv_all(a))
  end)
end)

describe("non-blocking sockets", function()
  it("settimeout(0) makes recv return EAGAIN at once", function()
    local a, b = lsock.socketpair("unix", "stream")
    defer(function() helper.close(a, b) end)
    assert(a:settimeout(0))
    assert_eagain(function() return a:recv(10) end)
    assert(b:send("now"))
    assert.equal("now", a:recv(10))
  end)

  it("setblocking(false) is timeout 0 and setblocking(true) is no timeout", function()
    local s <close> = helper.udp("inet6")
    assert.is_true(s:setblocking(false))
    assert.equal(0, s:gettimeout())
    assert_eagain(function() return s:recvfrom(10) end)
    assert.is_true(s:setblocking(true))
    assert.is_nil(s:gettimeout())
  end)

  it("accept returns EAGAIN with nothing pending", function()
    local l <close> = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    assert(l:settimeout(0))
    assert_eagain(function() return l:accept() end)
  end)

  it("send returns fewer bytes than asked when the buffer fills", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    assert(c:setsockopt("socket", "sndbuf", 4096))
    assert(c:settimeout(0))
    local data = ("y"):rep(4 * 1024 * 1024)
    local n = c:send(data)
    assert.equal("integer", math.type(n))
    assert(n > 0 and n < #data, n)
    -- The receiver's window may still open a little; soon nothing more fits.
    local r, msg, err
    for _ = 1, 1000 do
      r, msg, err = c:send(data)
      if not r then break end
      assert(r < #data, r)
    end
    assert.is_nil(r)
    assert.equal("string", type(msg))
    assert.equal(E.EAGAIN, err)
    local sent = assert_eagain(function() return c:sendall(data) end)
    assert.equal("integer", math.type(sent))
    assert(sent >= 0 and sent < #data, sent)
  end)

  it("connect returns EINPROGRESS, then completes", function()
    local l <close> = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    assert(l:settimeout(helper.T))
    local c <close> = assert(lsock.socket("inet", "stream"))
    assert(c:settimeout(0))
    local ok, msg, err = c:connect(l:getsockname())
    assert.is_nil(ok)
    assert.equal("string", type(msg))
    assert.equal(E.EINPROGRESS, err)
    local a <close> = assert(l:accept())
    assert.equal(0, c:getsockopt("socket", "error"))
    assert.equal(a:getsockname(), c:getpeername())
  end)
end)
