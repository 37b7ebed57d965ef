-- Issue 15: names resolved without blocking the loop (worker threads),
-- timers, loop.timeout and cancellation.  The slow-resolver cases run in
-- a private network, mount and pid namespace (spec/support_resolver.lua:
-- loopback only, a DNS server on 127.0.0.1 that answers after 1 s);
-- everything else talks to loopback or socketpairs.
local helper = require "helper"
local resolver = require "support_resolver"
local lsock = helper.lsock
local loop = require "lsock.loop"

local E = lsock.errno

-- Runs fn as a task and the loop until it ends (bounded by a watchdog).
local function intask(fn)
  local res
  loop.spawn(function() res = table.pack(fn()) end)
  loop.run()
  return table.unpack(res or {}, 1, res and res.n or 0)
end

describe("issue 15: loop.getaddrinfo", function()
  it("issue 15: 50 lookups of a 1 s resolver take ~1 s; a 20 ms ticker keeps ticking", function()
    local ok, out = resolver.run([[
      local lsock = require "lsock"
      local loop = require "lsock.loop"
      local t0 = loop.now()
      local done, worst, last, ticking = 0, 0, loop.now(), true
      loop.spawn(function()
        while ticking do
          loop.sleep(0.02)
          local t = loop.now()
          if t - last > worst then worst = t - last end
          last = t
        end
      end)
      local bad = {}
      for i = 1, 50 do
        loop.spawn(function()
          local ai, msg = loop.getaddrinfo("h" .. i .. ".slow.test", 80,
                                           { family = "inet", socktype = "stream" })
          local got = ai and tostring(ai[1].addr) or msg
          if got ~= "10.99.1." .. i .. ":80" then bad[#bad + 1] = got end
          done = done + 1
          if done == 50 then ticking = false end
        end)
      end
      loop.run()
      local plain = { lsock.getaddrinfo("nosuch.example", 80) }
      local inloop
      loop.spawn(function() inloop = { loop.getaddrinfo("nosuch.example", 80) } end)
      loop.run()
      print(("total=%.3f worst=%.3f bad=%d nx=%s,%s,%s| plain=%s,%s,%s|"):format(
        loop.now() - t0, worst, #bad, tostring(inloop[1]), inloop[2], inloop[3],
        tostring(plain[1]), plain[2], plain[3]))
    ]], 1)
    assert.is_true(ok, out)
    local total, worst, bad = out:match("total=([%d.]+) worst=([%d.]+) bad=(%d+)")
    assert.truthy(total, out)
    -- 50 lookups done one after another would take 50 s; on the pool all
    -- wait at once.  Then the NXDOMAIN lookup (another second).
    assert.is_true(tonumber(total) < 4.5, out)
    assert.is_true(tonumber(worst) < 0.1 + 0.15, out)  -- 100 ms, with slack for a busy box
    assert.equal("0", bad)
    local nx = out:match("nx=([^|]+)|")
    local plain = out:match("plain=([^|]+)|")
    assert.equal(plain, nx)
    assert.matches("^nil,.+," .. lsock.EAI_NONAME .. "$", nx)
  end)

  it("issue 15: tcp.connect by name in a task resolves in the loop; a ticker ticks", function()
    local ok, out = resolver.run([[
      local lsock = require "lsock"
      local loop = require "lsock.loop"
      local l = assert(lsock.tcp.listen("127.0.0.1", 0))
      local port = l:getsockname().port
      local worst, last, ticking = 0, loop.now(), true
      loop.spawn(function()
        while ticking do
          loop.sleep(0.02)
          local t = loop.now()
          if t - last > worst then worst = t - last end
          last = t
        end
      end)
      local got, short, t0 = nil, nil, loop.now()
      loop.spawn(function()
        local s = assert(lsock.tcp.connect("lo.slow.test", port, { timeout = 5 }))
        got = tostring(s:getpeername())
        s:close()
        -- the timeout bounds the lookup too: 0.3 s against a 1 s resolver
        short = { lsock.tcp.connect("lo.slow.test", port, { timeout = 0.3 }) }
        ticking = false
      end)
      loop.run()
      print(("peer=%s dt=%.3f worst=%.3f short=%s,%s"):format(got, loop.now() - t0, worst,
        tostring(short[1]), tostring(short[2])))
    ]], 1)
    assert.is_true(ok, out)
    local peer, dt, worst, short = out:match("peer=(%S+) dt=([%d.]+) worst=([%d.]+) short=(%S+)")
    assert.truthy(peer, out)
    assert.matches("^127%.0%.0%.1:%d+$", peer)
    assert.is_true(tonumber(dt) >= 1 and tonumber(dt) < 3.5, out)
    assert.is_true(tonumber(worst) < 0.25, out)
    assert.equal("nil,timeout", short)
  end)

  -- Four lookups are mid-query at the fork.  The child's workers must not
  -- inherit the parent's resolver sockets (glibc hands a forked child the
  -- stacks of its parent's threads, resolver state included): on a shared
  -- socket each process reads the other's answers and both time out.
  it("issue 15: a child forked while lookups are in flight finishes them"
     .. " on its own pool", function()
    local ok, out = resolver.run([[
      local lsock = require "lsock"
      local loop = require "lsock.loop"
      local got, pid = {}, nil
      for n = 1, 4 do
        loop.spawn(function()
          local ai = loop.timeout(4, loop.getaddrinfo, "h" .. n .. ".slow.test", 80,
            { family = "inet" })
          got[n] = ai and ai[1].addr.host or "timeout"
        end)
      end
      loop.spawn(function() loop.sleep(0.1); pid = assert(lsock.fork()) end)
      loop.run()
      local all = table.concat(got, ",")
      if pid == 0 then
        os.exit(all == "10.99.1.1,10.99.1.2,10.99.1.3,10.99.1.4" and 0 or 3, true)
      end
      local _, how, code = lsock.wait(pid)
      print(("parent=%s child=%s,%s"):format(all, how, code))
    ]], 1)
    assert.is_true(ok, out)
    assert.matches("parent=10.99.1.1,10.99.1.2,10.99.1.3,10.99.1.4 child=exited,0", out, 1, true)
  end)

  it("issue 15: /etc/hosts answers equal getent ahosts, and errors are the plain call's", function()
    local want = {}
    for line in helper.output("getent ahosts localhost"):gmatch("[^\n]+") do
      local addr, kind = line:match("^(%S+)%s+(%S+)")
      if kind == "STREAM" then want[#want + 1] = addr end
    end
    local got, nul, bad = intask(function()
      local ai = assert(loop.getaddrinfo("localhost", nil, { socktype = "stream" }))
      local list = {}
      for _, a in ipairs(ai) do list[#list + 1] = a.addr.host end
      return list, { loop.getaddrinfo("local\0host", 80) },
             { pcall(loop.getaddrinfo, "localhost", 80, { family = "nosuch" }) }
    end)
    assert.same(want, got)
    assert.same({ lsock.getaddrinfo("local\0host", 80) }, nul)
    assert.is_false(bad[1])
    assert.matches("unknown family 'nosuch'", bad[2])
  end)

  it("issue 15: getnameinfo in a task gives what the plain call gives", function()
    local a = lsock.addr("127.0.0.1", 22)
    assert.same({ lsock.getnameinfo(a, "numericserv") },
                { intask(function() return loop.getnameinfo(a, "numericserv") end) })
    assert.same({ lsock.getnameinfo(a) }, { loop.getnameinfo(a) })   -- outside a task
  end)

  it("issue 15: a cancelled task's lookup is dropped, and run() returns", function()
    local reached = false
    local t = loop.spawn(function()
      loop.getaddrinfo("localhost", 1)
      reached = true
    end)
    loop.spawn(function() loop.cancel(t) end)
    local t0 = loop.now()
    loop.run()
    assert.is_false(reached)
    assert.equal(0, loop.stats().tasks)
    assert.is_true(loop.now() - t0 < 2)
  end)

  it("issue 15: a forked child resolves on a pool of its own", function()
    intask(function() assert(loop.getaddrinfo("localhost", 80)) end)  -- the parent's pool
    local pid = assert(lsock.fork())
    if pid == 0 then
      local ok = false
      loop.spawn(function()
        local ai = loop.getaddrinfo("localhost", 80, { family = "inet" })
        ok = ai and ai[1].addr.host == "127.0.0.1"
      end)
      loop.run()
      os.exit(ok and 0 or 3, true)
    end
    assert.same({ "exited", 0 }, { helper.reap(pid, 10) })
    -- and the parent's pool still works
    local ai = intask(function() return loop.getaddrinfo("localhost", 80, { family = "inet" }) end)
    assert.equal("127.0.0.1", ai[1].addr.host)
  end)
end)

describe("issue 15: timers", function()
  it("issue 15: after fires in order, near its time; a cancelled one never fires", function()
    local t0, log = loop.now(), {}
    for _, d in ipairs { 0.15, 0.05, 0.1 } do
      loop.after(d, function() log[#log + 1] = { d, loop.now() - t0 } end)
    end
    local c = loop.after(0.07, function() log[#log + 1] = { "cancelled" } end)
    assert.is_true(c:cancel())
    assert.is_false(c:cancel())
    loop.run()
    assert.equal(3, #log)
    for i, d in ipairs { 0.05, 0.1, 0.15 } do
      assert.equal(d, log[i][1])
      assert.is_true(log[i][2] >= d - 0.005, "early: " .. log[i][2])
      assert.is_true(log[i][2] < d + 0.25, "late: " .. log[i][2])  -- 50 ms idle; slack
    end
  end)

  it("issue 15: every keeps its schedule when its function raises, until cancelled", function()
    local n, errors = 0, {}
    local saved = loop.onerror
    loop.onerror = function(msg) errors[#errors + 1] = msg end
    local t
    t = loop.every(0.02, function()
      n = n + 1
      if n == 2 then error("tick two fails") end
      if n == 5 then assert(t:cancel()) end
    end)
    assert.matches("^lsock.loop.timer", tostring(t))
    loop.run()
    loop.onerror = saved
    assert.equal(5, n)
    assert.equal(1, #errors)
    assert.matches("tick two fails", errors[1])
    assert.is_false(t:cancel())
  end)

  it("issue 15: a timer's function runs in a task of its own and may wait", function()
    local a, b = lsock.socketpair("unix", "stream")
    local got
    loop.after(0.01, function()
      local w = loop.wrap(b)
      got = w:recv(10)
    end)
    loop.after(0.05, function() a:send("late") end)
    loop.run()
    assert.equal("late", got)
    a:close(); b:close()
  end)

  it("issue 15: bad arguments raise at the caller", function()
    assert.error_matches(function() loop.after("x", print) end, "bad argument #1 to 'after'")
    assert.error_matches(function() loop.after(1, 5) end, "bad argument #2 to 'after'")
    assert.error_matches(function() loop.every(0, print) end, "must be > 0")
    assert.error_matches(function() loop.every(0 / 0, print) end, "NaN")
  end)
end)

describe("issue 15: loop.timeout and cancellation", function()
  it("issue 15: a timeout around a silent recv ends it; the socket stays usable", function()
    local a, b = lsock.socketpair("unix", "stream")
    local r1, r2
    intask(function()
      local w = loop.wrap(b)
      local t0 = loop.now()
      r1 = { loop.timeout(0.1, w.recv, w, 10) }
      r1.dt = loop.now() - t0
      a:send("after")
      r2 = { loop.timeout(1, w.recv, w, 10) }
    end)
    assert.same({ nil, "timeout", E.ETIMEDOUT }, { r1[1], r1[2], r1[3] })
    assert.is_true(r1.dt >= 0.09 and r1.dt < 1, "waited " .. r1.dt)
    assert.same({ "after" }, r2)
    assert.equal(0, loop.stats().registered)
    a:close(); b:close()
  end)

  it("issue 15: an abandoned fn has its <close> variables closed, uncaught by pcall", function()
    local closed, caught = false, false
    local r = { intask(function()
      return loop.timeout(0.05, function()
        local guard <close> = -- luacheck: ignore guard
          setmetatable({}, { __close = function() closed = true end })
        local ok = pcall(loop.sleep, 5)
        caught = true
        return ok
      end)
    end) }
    assert.same({ nil, "timeout", E.ETIMEDOUT }, r)
    assert.is_true(closed)
    assert.is_false(caught)
  end)

  it("issue 15: results and errors of fn come back; nested timeouts: the earliest wins", function()
    local r = { intask(function()
      return loop.timeout(1, function(x, y) return x + y, "two" end, 2, 3)
    end) }
    assert.same({ 5, "two" }, r)
    local ok, err = intask(function()
      return pcall(loop.timeout, 1, function() error("from fn", 0) end)
    end)
    assert.is_false(ok)
    assert.equal("from fn", err)
    local t0 = loop.now()
    r = { intask(function()
      return loop.timeout(1, function() return loop.timeout(0.05, loop.sleep, 5) end)
    end) }
    assert.same({ nil, "timeout", E.ETIMEDOUT }, r)
    r = { intask(function()
      return loop.timeout(0.05, function() return loop.timeout(1, loop.sleep, 5) end)
    end) }
    assert.same({ nil, "timeout", E.ETIMEDOUT }, r)
    assert.is_true(loop.now() - t0 < 1, "a nested timeout waited for the later one")
    assert.error_matches(function() loop.timeout(1, print) end, "not inside a task")
  end)

  it("issue 15: cancel ends a task waiting in recv, sleep, a lookup or a connect", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen(0))
    local port = l:getsockname().port
    -- Fill the backlog: further connects wait for a SYN-ACK that never comes.
    local fillers = {}
    for i = 1, 4 do
      fillers[i] = assert(lsock.socket("inet", "stream"))
      fillers[i]:settimeout(0)
      fillers[i]:connect("127.0.0.1", port)
    end
    helper.sleep(0.1)
    local a, b = lsock.socketpair("unix", "stream")
    local before = helper.socket_count()
    local reached, closed = {}, {}
    local function guard(name)
      return setmetatable({}, { __close = function() closed[name] = true end })
    end
    local tasks = {
      recv = loop.spawn(function()
        local g <close> = guard("recv") -- luacheck: ignore g
        loop.wrap(b):recv(1); reached.recv = true
      end),
      sleep = loop.spawn(function()
        local g <close> = guard("sleep") -- luacheck: ignore g
        loop.sleep(10); reached.sleep = true
      end),
      lookup = loop.spawn(function()
        local g <close> = guard("lookup") -- luacheck: ignore g
        loop.getaddrinfo("localhost", 80); loop.sleep(10); reached.lookup = true
      end),
      connect = loop.spawn(function()
        local g <close> = guard("connect") -- luacheck: ignore g
        local s <close> = assert(lsock.socket("inet", "stream"))
        loop.wrap(s):connect("127.0.0.1", port); loop.sleep(10); reached.connect = true
      end),
    }
    loop.after(0.2, function()
      for _, t in pairs(tasks) do assert.is_true(loop.cancel(t)) end
    end)
    local t0 = loop.now()
    loop.run()
    assert.is_true(loop.now() - t0 < 3)
    assert.same({}, reached)
    assert.same({ recv = true, sleep = true, lookup = true, connect = true }, closed)
    assert.equal(0, loop.stats().tasks)
    assert.equal(0, loop.stats().registered)
    assert.equal(before, helper.socket_count())   -- the connecting socket is closed
    for _, f in ipairs(fillers) do f:close() end
    l:close(); a:close(); b:close()
  end)
end)
