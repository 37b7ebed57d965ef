-- Regressions found by reviewing the Lua layer: each case failed before
-- its fix (see the commit that added this file).
local lsock = require "lsock"
local server = require "lsock.server"
local loop = require "lsock.loop"

local E = lsock.errno

local function tmppath()
  local p = os.tmpname()
  os.remove(p)
  return p
end

describe("lsock.server with a unix path", function()
  it("leaves a regular file at the path alone: nil, msg, EADDRINUSE", function()
    local path = tmppath()
    finally(function() os.remove(path) end)
    local f = assert(io.open(path, "w"))
    f:write("precious")
    f:close()
    local srv, _, err = server.tcp{ path = path, handler = function() end }
    assert.is_nil(srv)
    assert.equal(E.EADDRINUSE, err)
    f = assert(io.open(path))
    assert.equal("precious", f:read("a"))
    f:close()
  end)

  it("does not block on a live server whose backlog is full", function()
    local path = tmppath()
    local live = assert(lsock.unix.listen(path, { backlog = 0 }))
    local fill = {}
    finally(function()
      live:close()
      for _, c in ipairs(fill) do c:close() end
      os.remove(path)
    end)
    for _ = 1, 16 do
      local c = assert(lsock.socket("unix", "stream"))
      c:settimeout(0)
      fill[#fill + 1] = c
      if not c:connect(path) then break end
    end
    local t0 = lsock.monotime()
    local srv, _, err = server.tcp{ path = path, handler = function() end }
    assert.is_nil(srv)
    assert.equal(E.EADDRINUSE, err)
    assert.is_true(lsock.monotime() - t0 < 5)
  end)
end)

describe("lsock.server UDP", function()
  it("keeps serving after a handler returns a reply that is not a string", function()
    local errors = {}
    local srv = assert(server.udp{
      host = "127.0.0.1", port = 0, mode = "iterative", deadline = 1,
      onerror = function(msg) errors[#errors + 1] = msg end,
      handler = function(data)
        if data == "bad" then return {} end
        return data:upper()
      end,
    })
    local c <close> = assert(lsock.socket("inet", "dgram"))
    c:settimeout(5)
    assert(c:connect(srv.addr))
    assert(c:send("bad"))
    assert(c:send("good"))
    assert.is_true(srv:run())  -- serves both, returns at the deadline
    assert.equal("GOOD", c:recv(100))
    assert.equal(1, #errors)
    srv:close()
  end)
end)

describe("lsock.loop", function()
  it("loop.wait accepts a wrapped socket and its recv still waits after", function()
    local a, b = lsock.socketpair("unix", "stream")
    finally(function() a:close() b:close() end)
    local results = {}
    loop.spawn(function()
      local wa = loop.wrap(a)
      wa:settimeout(0.05)
      results[1] = select(3, wa:recv(10))                 -- times out
      results[2] = select(3, loop.wait(wa, "r", 0.05))    -- times out too
      wa:settimeout(2)
      loop.spawn(function() loop.sleep(0.05); b:send("hi") end)
      results[3] = wa:recv(10)
    end)
    loop.run()
    assert.equal(E.ETIMEDOUT, results[1])
    assert.equal(E.ETIMEDOUT, results[2])
    assert.equal("hi", results[3])
  end)

  it("a wrapped recv or send with 'dontwait' returns EAGAIN at once", function()
    local a, b = lsock.socketpair("unix", "stream")
    finally(function() a:close() b:close() end)
    local r = {}
    loop.spawn(function()
      local wa = loop.wrap(a)
      wa:settimeout(1)
      local t0 = lsock.monotime()
      r.recv = select(3, wa:recv(10, "dontwait"))
      r.flags = select(3, wa:recv(10, lsock.MSG_DONTWAIT | lsock.MSG_PEEK))
      r.from = select(3, wa:recvfrom(10, "dontwait"))
      r.dt = lsock.monotime() - t0
    end)
    loop.run()
    assert.equal(E.EAGAIN, r.recv)
    assert.equal(E.EAGAIN, r.flags)
    assert.equal(E.EAGAIN, r.from)
    assert.is_true(r.dt < 0.5)
  end)

  it("run() of a closed coroutine server returns true", function()
    local srv = assert(server.tcp{ host = "127.0.0.1", port = 0,
                                   mode = "coroutine", handler = function() end })
    srv:close()
    assert.is_true(srv:run())
  end)
end)

describe("lsock.tcp.listen", function()
  it("takes a sockaddr", function()
    local s <close> = assert(lsock.tcp.listen(lsock.addr("127.0.0.1", 0)))
    local a = s:getsockname()
    assert.equal("127.0.0.1", a.host)
    assert.is_true(a.port > 0)
  end)
end)
