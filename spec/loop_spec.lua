-- lsock.loop: tasks, sleeping, and wrapped sockets that yield instead of
-- blocking and return what the plain calls return.
local lsock = require "lsock"
local loop = require "lsock.loop"

local E = lsock.errno

-- Run the loop, but never longer than 'limit' seconds (a broken
-- scheduler fails the spec instead of hanging it).
-- The guard task ends within 10 ms once the run is over, so that it does
-- not hold up a later loop.run().
local function run(limit, until_fn)
  local t0 = lsock.monotime()
  local late, done = false, false
  loop.spawn(function()
    while not done do
      if lsock.monotime() - t0 > (limit or 10) then late = true end
      loop.sleep(0.01)
    end
  end)
  loop.run(function()
    return late or (until_fn and until_fn()) or false
  end)
  done = true
  assert(not late, "the loop ran too long")
  return lsock.monotime() - t0
end

local function listener()
  local s = assert(lsock.socket("inet", "stream"))
  assert(s:bind("127.0.0.1", 0))
  assert(s:listen())
  return s, s:getsockname()
end

describe("lsock.loop", function()
  local errors
  before_each(function()
    errors = {}
    loop.onerror = function(msg) errors[#errors + 1] = msg end
  end)

  it("runs spawned tasks with their arguments until none is left", function()
    local log = {}
    loop.spawn(function(a, b)
      log[#log + 1] = "a" .. a .. b
      loop.sleep(0.05)
      log[#log + 1] = "a done"
    end, 1, 2)
    loop.spawn(function()
      log[#log + 1] = "b"
      loop.sleep(0.01)
      log[#log + 1] = "b done"
    end)
    assert.is_true(loop.run())
    assert.same({ "a12", "b", "b done", "a done" }, log)
  end)

  it("sleeps in a task without stopping the others", function()
    local ticks = 0
    loop.spawn(function()
      for _ = 1, 5 do
        ticks = ticks + 1
        loop.sleep(0)
      end
    end)
    local woke
    loop.spawn(function()
      loop.sleep(0.1)
      woke = ticks
    end)
    local t = run(5, function() return woke ~= nil end)
    assert.equal(5, woke)
    assert.is_true(t >= 0.099)
  end)

  it("reports an error with its traceback and goes on with the others", function()
    local done = false
    local function failing() error("boom in task") end
    loop.spawn(function() failing() end)
    loop.spawn(function()
      loop.sleep(0.01)
      done = true
    end)
    loop.run()
    assert.is_true(done)
    assert.equal(1, #errors)
    assert.matches("boom in task", errors[1])
    assert.matches("stack traceback", errors[1])
    assert.matches("failing", errors[1])
  end)

  it("stops when until_fn says so", function()
    local n, stop = 0, false
    local co = loop.spawn(function()
      while not stop do
        n = n + 1
        loop.sleep(0.001)
      end
    end)
    finally(function()
      stop = true
      loop.run()   -- let it end: no task outlives its spec
    end)
    loop.run(function() return n >= 3 end)
    assert.is_true(n >= 3 and n < 10)
    -- the task is still there: the next run goes on with it
    local m = n
    loop.run(function() return n >= m + 2 end)
    assert.is_true(n >= m + 2)
    assert.equal("suspended", coroutine.status(co))
    assert.error_matches(function()
      loop.spawn(function() loop.run() end)
      loop.run(function() return #errors > 0 end)
      error(errors[1])
    end, "already running")
  end)

  it("suspend and wakeup pass a value between tasks", function()
    local got
    local waiter = loop.spawn(function() got = loop.suspend() end)
    loop.spawn(function()
      loop.sleep(0.01)
      loop.wakeup(waiter, "hello")
    end)
    run(5, function() return got ~= nil end)
    assert.equal("hello", got)
  end)

  describe("wrap()", function()
    it("serves many connections at once, yielding in accept/recv/send", function()
      local srv, addr = listener()
      local ws = loop.wrap(srv)
      finally(function() ws:close() end)
      local served, checked = 0, 0
      loop.spawn(function()
        for _ = 1, 50 do
          local c, peer = ws:accept()
          assert.equal("inet", peer.family)
          assert.equal("lsock.loop.socket", getmetatable(c).__name)
          loop.spawn(function()
            while true do
              local d = c:recv(100)
              if d == "" then break end
              assert(c:sendall(d:upper()))
            end
            c:close()
            served = served + 1
          end)
        end
      end)
      for i = 1, 50 do
        loop.spawn(function()
          local c <close> = loop.wrap(lsock.socket("inet", "stream"))
          assert.is_true(c:connect(addr))
          for k = 1, 3 do
            local msg = ("client %d message %d"):format(i, k)
            assert.equal(#msg, c:send(msg))
            local got = ""
            while #got < #msg do got = got .. c:recv(#msg - #got) end
            assert.equal(msg:upper(), got)
          end
          assert(c:shutdown("wr"))
          assert.equal("", c:recv(10))
          checked = checked + 1
        end)
      end
      run(20, function() return served == 50 and checked == 50 end)
      assert.same({}, errors)
    end)

    it("returns the plain results: timeout, refused, EAGAIN", function()
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      finally(function() wa:close() b:close() end)
      local res = {}
      loop.spawn(function()
        wa:settimeout(0.05)
        res.timeout = { wa:recv(10) }
        wa:settimeout(0)
        res.again = { wa:recv(10) }
        wa:settimeout(nil)
        local s, addr = listener()
        s:close()  -- nobody listens there any more
        local c = loop.wrap(lsock.socket("inet", "stream"))
        res.refused = { c:connect(addr) }
        c:close()
        res.closed = { pcall(c.recv, c, 1) }
      end)
      run(5, function() return res.closed ~= nil end)
      assert.same({ nil, "timeout", E.ETIMEDOUT }, res.timeout)
      assert.equal(3, #res.again)
      assert.equal(E.EAGAIN, res.again[3])
      assert.same({ nil, "Connection refused", E.ECONNREFUSED }, res.refused)
      assert.is_false(res.closed[1])
      assert.matches("closed socket", res.closed[2])
    end)

    it("sendall yields until the peer reads, and returns the count", function()
      local a, b = lsock.socketpair()
      local wa, wb = loop.wrap(a), loop.wrap(b)
      finally(function() wa:close() wb:close() end)
      local big = ("0123456789abcdef"):rep(1 << 16)   -- 1 MiB, more than the buffers
      local sent, got
      loop.spawn(function() sent = wa:sendall(big, 3, -3) end)
      loop.spawn(function()
        local parts, n = {}, 0
        while n < #big - 4 do
          local d = wb:recv(65536)
          parts[#parts + 1] = d
          n = n + #d
        end
        got = table.concat(parts)
      end)
      run(10, function() return sent and got end)
      assert.equal(#big - 4, sent)
      assert.equal(big:sub(3, -3), got)
    end)

    it("sendall reports nil, msg, errno, sent when the peer goes", function()
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      finally(function() wa:close() b:close() end)
      local res
      loop.spawn(function() res = { wa:sendall(("x"):rep(1 << 22)) } end)
      loop.spawn(function()
        loop.sleep(0.05)
        b:close()
      end)
      run(10, function() return res ~= nil end)
      assert.is_nil(res[1])
      assert.equal(E.EPIPE, res[3])
      assert.is_true(res[4] > 0 and res[4] < (1 << 22))
    end)

    it("recvfrom and sendto on UDP", function()
      local u1 = loop.wrap(assert(lsock.socket("inet", "dgram")))
      local u2 = loop.wrap(assert(lsock.socket("inet", "dgram")))
      finally(function() u1:close() u2:close() end)
      assert(u1:bind("127.0.0.1", 0))
      local addr = u1:getsockname()
      local res
      loop.spawn(function()
        local d, from = u1:recvfrom(100)
        assert(u1:sendto(d .. "!", from))
      end)
      loop.spawn(function()
        loop.sleep(0.01)
        assert.equal(5, u2:sendto("hello", "127.0.0.1", addr.port))
        res = { u2:recvfrom(100) }
      end)
      run(5, function() return res ~= nil end)
      assert.equal("hello!", res[1])
      assert.equal(addr, res[2])
    end)

    it("wakes a waiting task with EBADF when another closes the socket", function()
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      finally(function() b:close() end)
      local res
      loop.spawn(function() res = { wa:recv(10) } end)
      loop.spawn(function()
        loop.sleep(0.01)
        wa:close()
      end)
      run(5, function() return res ~= nil end)
      assert.same({ nil, lsock.strerror(E.EBADF), E.EBADF }, res)
    end)

    it("refuses two tasks reading one socket", function()
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      finally(function() wa:close() b:close() end)
      loop.spawn(function() wa:recv(1) end)
      loop.spawn(function() wa:recv(1) end)
      loop.spawn(function()
        loop.sleep(0.01)
        b:send("x")
      end)
      run(5, function() return #errors > 0 end)
      assert.matches("another task is already reading", errors[1])
    end)

    it("blocks like the plain socket outside a task", function()
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      finally(function() wa:close() b:close() end)
      wa:settimeout(0.05)
      assert.same({ nil, "timeout", E.ETIMEDOUT }, { wa:recv(1) })
      assert(b:send("abc"))
      assert.equal("abc", wa:recv(10))
      assert.equal(0.05, wa:gettimeout())
      assert.is_true(wa:setblocking(false))
      assert.equal(0, wa:gettimeout())
      assert.equal(E.EAGAIN, select(3, wa:recv(1)))
    end)

    it("passes other methods through and unwraps", function()
      local a, b = lsock.socketpair()
      a:settimeout(2.5)
      local wa = loop.wrap(a)
      finally(function() a:close() b:close() end)
      assert.equal(a:fileno(), wa:fileno())
      assert.equal("unix", wa:family())
      assert.equal(tostring(a), tostring(wa))
      assert.equal(2.5, wa:gettimeout())
      assert.equal(0, a:gettimeout())     -- underneath: non-blocking
      assert.equal(wa, loop.wrap(wa))
      assert.is_nil(wa.dirty)             -- not a socket method: nothing
      assert.equal(a, wa:unwrap())
      assert.equal(2.5, a:gettimeout())
    end)

    it("forgets a wrapper that was dropped without closing", function()
      local a, b = lsock.socketpair()
      finally(function() a:close() b:close() end)
      local weak = setmetatable({}, { __mode = "k" })
      local got
      loop.spawn(function()
        local wa = loop.wrap(a)
        weak[wa] = true
        b:send("x")
        wa:recv(1)   -- registered with the poller, then dropped
        got = wa:recv(1)
      end)
      loop.spawn(function()
        loop.sleep(0.01)
        b:send("y")
      end)
      run(5, function() return got ~= nil end)
      assert.equal("y", got)
      collectgarbage()
      collectgarbage()
      assert.is_nil(next(weak))
      -- the raw socket stays usable, and was not closed by anyone
      assert(b:send("z"))
      a:settimeout(1)
      assert.equal("z", a:recv(1))
    end)

    it("works under lsock.stream: lines read by a task that yields", function()
      local stream = require "lsock.stream"
      local a, b = lsock.socketpair()
      local wb = loop.wrap(b)
      finally(function() a:close() wb:close() end)
      local lines, wrote = {}, false
      loop.spawn(function()
        local st = stream.wrap(wb)
        for line in st:lines() do lines[#lines + 1] = line end
        st:write("got ", #lines, "\n")
        st:flush()
      end)
      loop.spawn(function()
        local wa = loop.wrap(a)
        for i = 1, 3 do
          wa:sendall("line " .. i .. "\nhalf ")
          loop.sleep(0.01)
          wa:sendall("line\n")
        end
        wa:shutdown("wr")
        assert.equal("got 6\n", wa:recv(100))
        wrote = true
      end)
      run(5, function() return wrote end)
      assert.same({ "line 1", "half line", "line 2", "half line", "line 3", "half line" },
        lines)
    end)

    it("lets go of sockets closed behind its back", function()
      local weak = setmetatable({}, { __mode = "k" })
      local done = 0
      local function waitonce()
        local a, b = lsock.socketpair()
        local wa = loop.wrap(a)
        loop.spawn(function()
          wa:settimeout(0.001)
          wa:recv(1)               -- registers a with the poller, times out
          a:close()                -- the raw socket, not the wrapper
          b:close()
          done = done + 1
        end)
        return a
      end
      for _ = 1, 200 do weak[waitonce()] = true end
      run(5, function() return done == 200 end)
      for _ = 1, 300 do waitonce() end   -- new registrations sweep the old
      run(5, function() return done == 500 end)
      collectgarbage()
      collectgarbage()
      local left = 0
      for _ in pairs(weak) do left = left + 1 end
      assert.is_true(left < 20, left .. " of 200 closed sockets still held")
    end)

    it("wait() waits for any object's readiness", function()
      local a, b = lsock.socketpair()
      finally(function() a:close() b:close() end)
      local res = {}
      loop.spawn(function()
        res[1] = { loop.wait(a, "r", 0.05) }
        res[2] = { loop.wait(b:fileno(), "w", 1) }
        b:send("x")
        res[3] = { loop.wait(a, "r") }
      end)
      run(5, function() return res[3] ~= nil end)
      assert.same({ nil, "timeout", E.ETIMEDOUT }, res[1])
      assert.same({ true }, res[2])
      assert.same({ true }, res[3])
    end)
  end)
end)
