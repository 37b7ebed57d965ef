-- lsock.poller: add/modify/remove/wait/close, on epoll and on the poll
-- fallback, with the same results from both.
local lsock = require "lsock"
local support = require "support_poll"

-- Everything a wait reports, as {obj, events, data} triples.
local function collect(p, timeout)
  local got = {}
  for obj, ev, data in assert(p:wait(timeout)) do
    got[#got + 1] = { obj, ev, data }
  end
  return got
end

for _, backend in ipairs({ "epoll", "poll" }) do
  describe("lsock.poller(\"" .. backend .. "\")", function()
    local p, a, b
    before_each(function()
      p = assert(lsock.poller(backend))
      a, b = lsock.socketpair()
    end)
    after_each(function()
      p:close()
      a:close()
      b:close()
    end)

    it("says which backend it uses", function()
      assert.equal(backend, p:backend())
      assert.matches("^lsock.poller%(" .. backend .. ", 0 registered%)$", tostring(p))
    end)

    it("asks only its objects for dirty(), and a dirty() that removes one skips none", function()
      local pairs_, objs, asked = {}, {}, {}
      for i = 1, 5 do
        local x, y = lsock.socketpair()
        pairs_[i] = { x, y }
        objs[i] = {
          fileno = function() return x:fileno() end,
          dirty = function(self)
            asked[i] = (asked[i] or 0) + 1
            if self.onask then self.onask() end
            return i % 2 == 1
          end,
        }
        assert(p:add(objs[i], "r", i))
      end
      assert(p:add(a, "r", "a")) -- a socket: never asked
      assert(p:remove(objs[3]))
      local function ready()
        local got = {}
        for _, _, data in assert(p:wait(0)) do got[#got + 1] = data end
        table.sort(got, function(u, v) return tostring(u) < tostring(v) end)
        return got
      end
      assert.same({ 1, 5 }, ready())
      assert.same({ 1, 1, nil, 1, 1 }, { asked[1], asked[2], asked[3], asked[4], asked[5] })
      -- dirty() of one object removes others while the wait asks
      objs[5].onask = function()
        objs[5].onask = nil
        p:remove(objs[4])
        p:remove(objs[2])
      end
      asked = {}
      assert.same({ 1, 5 }, ready())
      assert.equal(1, asked[1])
      assert.is_nil(asked[3])
      asked = {}
      assert.same({ 1, 5 }, ready())
      assert.same({ 1, 1 }, { asked[1], asked[5] }) -- the others are gone
      assert.is_nil(asked[2] or asked[3] or asked[4])
      assert.equal(3, #p) -- a, objs[1] and objs[5]
      for _, pr in ipairs(pairs_) do pr[1]:close(); pr[2]:close() end
    end)

    it("reports the object, its events and its data", function()
      assert.is_true(p:add(a, "r", "data of a"))
      assert.same({}, collect(p, 0))
      assert(b:send("x"))
      assert.same({ { a, "r", "data of a" } }, collect(p, 1))
      -- level-triggered: still readable, reported again
      assert.same({ { a, "r", "data of a" } }, collect(p, 1))
    end)

    it("takes any Lua value as data, and none", function()
      local co = coroutine.create(function() end)
      local fn = function() end
      assert(p:add(a, "w", co))
      assert(p:add(b, "w"))
      local got = collect(p, 1)
      table.sort(got, function(x, y) return x[1]:fileno() < y[1]:fileno() end)
      assert.equal(co, got[1][3])
      assert.is_nil(got[2][3])
      assert(p:modify(b, "w", fn))
      got = collect(p, 1)
      for _, g in ipairs(got) do
        if g[1] == b then assert.equal(fn, g[3]) end
      end
    end)

    it("modify changes the events and keeps the data unless given", function()
      assert(p:add(a, "r", 1))
      assert.same({}, collect(p, 0))
      assert.is_true(p:modify(a, "rw"))
      assert.same({ { a, "w", 1 } }, collect(p, 1))
      assert(b:send("x"))
      assert.same({ { a, "rw", 1 } }, collect(p, 1))
      assert.is_true(p:modify(a, "r", 2))
      assert.same({ { a, "r", 2 } }, collect(p, 1))
      assert.is_true(p:modify(a, "w", nil))
      assert.same({ { a, "w", nil } }, collect(p, 1))
    end)

    it("remove stops the reports; errors come as nil, msg, errno", function()
      assert(p:add(a, "w"))
      assert.is_true(p:remove(a))
      assert.same({}, collect(p, 0))
      local ok, msg, e = p:remove(a)
      assert.is_nil(ok)
      assert.is_string(msg)
      assert.equal(lsock.errno.ENOENT, e)
      ok, _, e = p:modify(a, "r")
      assert.is_nil(ok)
      assert.equal(lsock.errno.ENOENT, e)
      assert(p:add(a, "w"))
      ok, _, e = p:add(a, "r")
      assert.is_nil(ok)
      assert.equal(lsock.errno.EEXIST, e)
      assert.equal(1, #p)
    end)

    it("reports a hang-up as h, even when only w was asked", function()
      assert(p:add(a, "r"))
      b:close()
      local got = collect(p, 1)
      assert.equal(1, #got)
      assert.matches("h", got[1][2])
      assert.matches("r", got[1][2])
    end)

    it("forgets a socket closed while registered", function()
      assert(p:add(a, "w", "old"))
      assert.equal(1, #p)
      local fd = a:fileno()
      a:close()
      assert.same({}, collect(p, 0))
      assert.equal(0, #p)
      -- a new socket on the same descriptor number is a new registration
      local c, d = lsock.socketpair()
      finally(function() c:close() d:close() end)
      local fresh = c:fileno() == fd and c or d
      assert.equal(fd, fresh:fileno())
      assert.is_true(p:add(fresh, "w", "new"))
      assert.same({ { fresh, "w", "new" } }, collect(p, 1))
      -- removing or modifying a closed socket is no error
      assert.is_true(p:remove(a))
      local ok, _, e = p:modify(a, "r")
      assert.is_nil(ok)
      assert.equal(lsock.errno.ENOENT, e)
    end)

    it("skips events of a registration closed during the iteration", function()
      local c, d = lsock.socketpair()
      finally(function() c:close() d:close() end)
      assert(p:add(a, "w", "a"))
      assert(p:add(c, "w", "c"))
      local seen = 0
      for obj in assert(p:wait(1)) do
        seen = seen + 1
        -- close the other one: its pending event must not come
        if obj == a then c:close() else a:close() end
      end
      assert.equal(1, seen)
    end)

    it("lets a closed socket and its data be collected", function()
      local weak = setmetatable({}, { __mode = "v" })
      do
        local s = lsock.socket("inet", "dgram")
        weak[1], weak[2] = s, {}
        assert(p:add(s, "w", weak[2]))
        s:close()
      end
      collectgarbage()
      collectgarbage()
      assert.equal(0, #p)   -- #p sweeps closed registrations
      collectgarbage()
      collectgarbage()
      assert.is_nil(weak[1])
      assert.is_nil(weak[2])
    end)

    it("takes files, descriptor numbers and fileno objects", function()
      local f = assert(io.popen("echo hi"))
      finally(function() f:close() end)
      local obj = { fileno = function() return b:fileno() end }
      assert(p:add(f, "r", "file"))
      assert(p:add(a:fileno(), "w", "number"))
      assert(p:add(obj, "w", "object"))
      local seen = {}
      for o, ev, data in assert(p:wait(1)) do
        seen[data] = { o, ev }
      end
      -- the sockets are writable at once; the pipe once echo has run
      local t0 = lsock.monotime()
      while not seen.file and lsock.monotime() - t0 < 5 do
        lsock.sleep(0.02)
        for o, ev, data in assert(p:wait(0.5)) do seen[data] = { o, ev } end
      end
      assert.same({ f, "r" }, { seen.file[1], seen.file[2]:sub(1, 1) })
      assert.same({ a:fileno(), "w" }, seen.number)
      assert.same({ obj, "w" }, seen.object)
    end)

    it("waits no longer than its timeout and runs the loop zero times", function()
      assert(p:add(a, "r"))
      local t0 = lsock.monotime()
      local n = 0
      for _ in assert(p:wait(0.1)) do n = n + 1 end
      assert.equal(0, n)
      assert.is_true(lsock.monotime() - t0 >= 0.099)
    end)

    it("allocates no table per event", function()
      local socks = {}
      finally(function() for _, s in ipairs(socks) do s:close() end end)
      for i = 1, 100 do
        local x, y = lsock.socketpair()
        socks[#socks + 1], socks[#socks + 2] = x, y
        assert(p:add(x, "w", i))
      end
      collectgarbage()
      collectgarbage("stop")
      local before = collectgarbage("count")
      local events = 0
      for _ = 1, 100 do
        for _, ev, data in p:wait(1) do
          if ev == "w" and data then events = events + 1 end
        end
      end
      local grown = collectgarbage("count") - before
      collectgarbage("restart")
      assert.equal(10000, events)
      -- a table per event would be at least 10000 * 56 bytes = 547 KB
      assert.is_true(grown < 64, ("grew %.1f KB"):format(grown))
    end)

    it("raises on misuse", function()
      assert.error_matches(function() p:add(a, "x") end,
        'events must be "r", "w" or "rw"')
      assert.error_matches(function() p:add({}, "r") end,
        "object with fileno expected, got table")
      assert.error_matches(function() p:add(-3, "r") end, "invalid descriptor")
      assert.error_matches(function() lsock.poller("kqueue") end,
        "invalid option 'kqueue'")
    end)

    it("close(), <close> and __gc release it", function()
      -- Garbage of earlier specs must not close descriptors midway.
      collectgarbage()
      collectgarbage()
      local before = support.nfds()
      local q = assert(lsock.poller(backend))
      assert(q:add(a, "r", {}))
      assert.is_true(q:close())
      assert.is_true(q:close())
      assert.equal("lsock.poller(closed)", tostring(q))
      assert.error_matches(function() q:wait(0) end, "attempt to use a closed poller")
      assert.error_matches(function() q:add(a, "r") end, "attempt to use a closed poller")
      do
        local r <close> = assert(lsock.poller(backend))
        assert(r:add(a, "r"))
      end
      for _ = 1, 5 do assert(lsock.poller(backend)) end
      collectgarbage()
      collectgarbage()
      assert.equal(before, support.nfds())
    end)
  end)
end

describe("lsock.poller()", function()
  it("is epoll on Linux", function()
    local p = assert(lsock.poller())
    assert.equal("epoll", p:backend())
    p:close()
  end)

  it("epoll refuses regular files; the poll backend takes them", function()
    local f = io.tmpfile()
    local p = lsock.poller()
    local ok, _, e = p:add(f, "r")
    assert.is_nil(ok)
    assert.equal(lsock.errno.EPERM, e)
    local q = lsock.poller("poll")
    assert(q:add(f, "r", "f"))
    local n = 0
    for obj, ev, data in q:wait(1) do
      assert.same({ f, "r", "f" }, { obj, ev, data })
      n = n + 1
    end
    assert.equal(1, n)
    p:close() q:close() f:close()
  end)
end)
