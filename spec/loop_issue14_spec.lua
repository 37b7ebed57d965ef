-- Issue 14: one way to wait.  One spec per defect the issue lists; those
-- that hung the loop before run in a child lua5.4 under `timeout`, so a
-- regression fails the spec instead of hanging it.
local lsock = require "lsock"
local loop = require "lsock.loop"

local E = lsock.errno

local LUA_ENV = 'LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" '
  .. 'LUA_CPATH="' .. (os.getenv("LSOCK_CPATH") or "./build/?.so") .. ';;" '

-- Runs Lua code in a child process (at most `limit` seconds): its stdout
-- and whether it exited 0.
local function child(code, limit)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  -- Under make test-asan the Lua child keeps the preloaded ASan runtime
  -- (it loads the ASan build); timeout itself runs without it.
  local pre = os.getenv("LD_PRELOAD")
  local p = assert(io.popen(("env -u LD_PRELOAD %s timeout %d %s lua5.4 %s 2>&1")
    :format(LUA_ENV, limit or 10,
            pre and ("env LD_PRELOAD='" .. pre .. "'") or "", path)))
  local out = p:read("a")
  local ok = p:close()
  os.remove(path)
  return out, ok
end

-- The loop run with a time limit (a guard task that ends with the run).
local function run(limit, until_fn)
  local t0 = lsock.monotime()
  local late, done = false, false
  loop.spawn(function()
    while not done do
      if lsock.monotime() - t0 > (limit or 10) then late = true end
      loop.sleep(0.01)
    end
  end)
  loop.run(function() return late or (until_fn and until_fn()) or false end)
  done = true
  assert(not late, "the loop ran too long")
end

local function listener(backlog)
  local s = assert(lsock.socket("inet", "stream"))
  assert(s:bind("127.0.0.1", 0))
  assert(s:listen(backlog))
  return s, s:getsockname()
end

describe("issue 14", function()
  local errors
  before_each(function()
    errors = {}
    loop.onerror = function(msg) errors[#errors + 1] = msg end
  end)

  it("issue 14: a wrapped recv(n, 'waitall') in a task reads all n bytes sent in pieces", function()
    local a, b = lsock.socketpair()
    local wa = loop.wrap(a)
    finally(function() wa:close() b:close() end)
    local got
    loop.spawn(function() got = wa:recv(10, "waitall") end)
    loop.spawn(function()
      for _, piece in ipairs { "ab", "cde", "fghij" } do
        loop.sleep(0.02)
        assert(b:send(piece))
      end
    end)
    run(5, function() return got ~= nil end)
    assert.equal("abcdefghij", got)
    -- What came before the end of the stream is the result, as plain.
    got = nil
    loop.spawn(function() got = wa:recv(10, "waitall") end)
    loop.spawn(function() b:send("xy") loop.sleep(0.02) b:shutdown("wr") end)
    run(5, function() return got ~= nil end)
    assert.equal("xy", got)
  end)

  it("issue 14: a coroutine-mode server handler gets full waitall reads", function()
    local got = {}
    local srv = assert(lsock.server.tcp {
      host = "127.0.0.1", port = 0, mode = "coroutine",
      handler = function(c)
        got[#got + 1] = c:recv(8, "waitall")
        c:sendall("ok")
      end,
    })
    srv:start()
    local reply
    loop.spawn(function()
      local c = loop.wrap(assert(lsock.tcp.connect("127.0.0.1", srv.addr.port)))
      for _, piece in ipairs { "12", "345", "678" } do
        assert(c:send(piece))
        loop.sleep(0.02)
      end
      reply = c:recv(2, "waitall")
      c:close()
      srv:close()
    end)
    run(10, function() return srv.closed and srv.count == 0 end)
    assert.same({ "12345678" }, got)
    assert.equal("ok", reply)
  end)

  it("issue 14: the load server echoes frames whose header and payload come in pieces", function()
    local p = assert(io.popen(LUA_ENV .. "timeout 20 lua5.4 bench/load/server.lua 1", "r"))
    local port = assert(math.tointeger(tonumber(p:read("l"))))
    local c = assert(lsock.tcp.connect("127.0.0.1", port, { timeout = 5 }))
    c:settimeout(5)
    c:setsockopt("tcp", "nodelay", true)
    for i = 1, 5 do
      local payload = ("frame %d "):format(i):rep(i * 7)
      local frame = string.pack(">I4I2", #payload, lsock.checksum(payload))
        .. payload
      -- 1, 2 and 3 header bytes, then the rest of it and the payload in
      -- two: every frame in at least four segments.
      local cut = { i % 3 + 1, 6, 6 + #payload // 2, #frame }
      local from = 1
      for _, upto in ipairs(cut) do
        assert(c:sendall(frame:sub(from, upto)))
        from = upto + 1
        lsock.sleep(0.01)
      end
      assert.equal(frame, c:recv(#frame, "waitall"))
    end
    c:close()
    local last = p:read("a")
    p:close()
    assert.matches("server 5 %d+ 0 1", last)
  end)

  it("issue 14: tcp.connect inside a task lets a 50 ms ticker tick", function()
    -- A listener whose backlog is full drops further SYNs: that connect
    -- takes until its timeout.
    local l = listener(0)
    local port = l:getsockname().port
    local fillers = {}
    finally(function()
      l:close()
      for _, s in ipairs(fillers) do s:close() end
    end)
    for _ = 1, 4 do
      local s = assert(lsock.socket("inet", "stream"))
      s:settimeout(0)
      s:connect("127.0.0.1", port)
      fillers[#fillers + 1] = s
    end
    lsock.sleep(0.05)
    local ticks, res, stop = 0, nil, false
    loop.spawn(function()
      while not stop do
        loop.sleep(0.05)
        ticks = ticks + 1
      end
    end)
    loop.spawn(function()
      local t0 = lsock.monotime()
      res = { lsock.tcp.connect("127.0.0.1", port, { timeout = 0.6 }) }
      res.took = lsock.monotime() - t0
      stop = true
    end)
    run(10, function() return res ~= nil and stop end)
    -- Either the connect timed out or the kernel let it in; in both
    -- cases the ticker ran while it waited.
    if res[1] then res[1]:close() end
    if res.took >= 0.3 then
      assert.is_true(ticks >= 3, "ticks: " .. ticks)
    end
    assert.is_true(res.took < 5)
  end)

  it("issue 14: a wrapped sendto(..., 'dontwait') on a full queue returns EAGAIN at once",
     function()
    local dir = os.tmpname()
    os.remove(dir)
    local path = dir .. ".sock"
    local r = assert(lsock.unix.listen(path, { type = "dgram" }))
    local s = assert(lsock.socket("unix", "dgram"))
    finally(function() r:close() s:close() os.remove(path) end)
    s:settimeout(0)
    for _ = 1, 10000 do
      if not s:sendto(("x"):rep(512), path) then break end
    end
    s:settimeout(2)
    local w = loop.wrap(s)
    local res, took
    loop.spawn(function()
      local t0 = lsock.monotime()
      res = { w:sendto("y", path, "dontwait") }
      took = lsock.monotime() - t0
    end)
    run(10, function() return res ~= nil end)
    assert.equal(E.EAGAIN, res[3])
    assert.is_true(took < 1, "took " .. took)
    w:unwrap()
  end)

  it("issue 14: wrapped recvmsg waits on a blocking wrapper; sendall takes a number", function()
    local a, b = lsock.socketpair()
    local wa, wb = loop.wrap(a), loop.wrap(b)
    finally(function() wa:close() wb:close() end)
    local got, n
    loop.spawn(function() got = { wa:recvmsg(10) } end)
    loop.spawn(function()
      loop.sleep(0.02)
      n = wb:sendall(12345)
    end)
    run(5, function() return got ~= nil and n ~= nil end)
    assert.equal("12345", got[1])
    assert.equal(5, n)
    -- The plain call gives the same number of results.
    local c, d = lsock.socketpair()
    finally(function() c:close() d:close() end)
    assert(d:send("hi"))
    local plain = table.pack(c:recvmsg(10))
    assert(wb:send("hi"))
    local wrapped = table.pack(wa:recvmsg(10))
    assert.equal(plain.n, wrapped.n)
    assert.equal(plain[1], wrapped[1])
    -- "waitall" makes recvmsg read the full size too, as plain with a timeout.
    got = nil
    loop.spawn(function() got = { wa:recvmsg(6, nil, "waitall") } end)
    loop.spawn(function()
      assert(wb:send("abc"))
      loop.sleep(0.03)
      assert(wb:send("def"))
    end)
    run(5, function() return got ~= nil end)
    assert.equal("abcdef", got[1])
  end)

  it("issue 14: run(until_fn) returns while every task waits on I/O", function()
    local out, ok = child([[
      local lsock = require "lsock"
      local loop = require "lsock.loop"
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      loop.spawn(function() wa:recv(1) end)
      local t0 = lsock.monotime()
      loop.run(function() return lsock.monotime() - t0 > 0.3 end)
      print("returned", lsock.monotime() - t0 < 3)
    ]])
    assert.is_true(ok, out)
    assert.matches("returned\ttrue", out)
  end)

  it("issue 14: coroutine.close(task) on a waiting task: forgotten, run() returns", function()
    local out, ok = child([[
      local lsock = require "lsock"
      local loop = require "lsock.loop"
      local errs = {}
      loop.onerror = function(m) errs[#errs + 1] = m end
      local a, b = lsock.socketpair()
      local wa = loop.wrap(a)
      local t = loop.spawn(function() wa:recv(1) end)
      loop.spawn(function()
        loop.sleep(0.02)
        assert(coroutine.close(t))
        b:send("x")          -- a late event for the closed task
        loop.sleep(0.05)
        -- The socket is free for another reader.
        print("read", wa:recv(1))
      end)
      loop.run()
      print("returned", #errs)
      for _, e in ipairs(errs) do print(e) end
    ]])
    assert.is_true(ok, out)
    assert.matches("read\tx", out)
    assert.matches("returned\t0", out)
  end)

  it("issue 14: loop.cancel and coroutine.close leave no registration behind", function()
    local a, b = lsock.socketpair()
    local wa = loop.wrap(a)
    finally(function() wa:close() b:close() end)
    local t1 = loop.spawn(function() wa:recv(1) end)
    local t2 = loop.spawn(function() wa:sendall(("z"):rep(1 << 22)) end)
    local got
    loop.spawn(function()
      loop.sleep(0.02)
      assert.is_true(loop.cancel(t1))
      assert(coroutine.close(t2))
      loop.spawn(function() got = wa:recv(1) end)
      loop.spawn(function() loop.sleep(0.02) b:send("q") end)
    end)
    run(5, function() return got ~= nil end)
    assert.equal("q", got)
    assert.same({}, errors)
  end)

  it("issue 14: closing the underlying socket wakes a task waiting on its wrapper with EBADF",
     function()
    local a, b = lsock.socketpair()
    local wa = loop.wrap(a)
    finally(function() b:close() end)
    local res
    loop.spawn(function() res = { wa:recv(10) } end)
    loop.spawn(function()
      loop.sleep(0.02)
      a:close()
    end)
    run(5, function() return res ~= nil end)
    assert.same({ nil, lsock.strerror(E.EBADF), E.EBADF }, res)
  end)

  it("issue 14: a child forked inside a loop does not touch the parent's registrations", function()
    local a, b = lsock.socketpair()
    local wa = loop.wrap(a)
    finally(function() wa:close() b:close() end)
    local got
    loop.spawn(function() got = wa:recv(1) end)
    loop.spawn(function()
      loop.sleep(0.02)
      io.stdout:flush()   -- the child must not write busted's buffer again
      local pid = lsock.fork()
      if pid == 0 then
        wa:close()
        os.exit(0)
      end
      lsock.wait(pid)
      b:send("x")
    end)
    run(5, function() return got ~= nil end)
    assert.equal("x", got)
  end)

  it("issue 14: loop.sleep(0/0) inside a task is an argument error in that task", function()
    local other = false
    loop.spawn(function() loop.sleep(0 / 0) end)
    loop.spawn(function() loop.sleep(0.05) other = true end)
    run(5, function() return other end)
    assert.is_true(other)
    assert.equal(1, #errors)
    assert.matches("bad argument #1 to 'sleep'", errors[1])
    -- loop.wait's timeout likewise.
    local a, b = lsock.socketpair()
    finally(function() a:close() b:close() end)
    other = false
    loop.spawn(function() loop.wait(a, "r", 0 / 0) end)
    loop.spawn(function() loop.sleep(0.05) other = true end)
    run(5, function() return other end)
    assert.equal(2, #errors)
    assert.matches("bad argument #3 to 'wait'", errors[2])
  end)

  it("issue 14: with the loop loaded, close/detach misuse still names the caller", function()
    local s = assert(lsock.socket("inet", "stream"))
    s:close()
    local ok, err = pcall(function() s:detach() end)
    assert.is_false(ok)
    assert.matches("^spec/loop_issue14_spec.lua:%d+: calling 'detach' on bad self", err)
    ok, err = pcall(function() s.close({}) end)
    assert.is_false(ok)
    assert.matches("^spec/loop_issue14_spec.lua:%d+: bad argument #1 to 'close'", err)
    assert.is_true(s:close())
  end)

  it("issue 14: after loop.wait(stream) and closing it, its descriptor number can be reused",
     function()
    local a, b = lsock.socketpair()
    local st = lsock.stream.wrap(a)
    local fd = a:fileno()
    local ok
    loop.spawn(function() ok = { loop.wait(st, "r", 0.01) } end)
    run(5, function() return ok ~= nil end)
    assert.equal(E.ETIMEDOUT, ok[3])
    st:close()
    b:close()
    local c, d = lsock.socketpair()
    finally(function() c:close() d:close() end)
    assert.equal(fd, c:fileno())
    local res
    loop.spawn(function() res = { loop.wait(c, "w", 1) } end)
    run(5, function() return res ~= nil end)
    assert.same({ true }, res)
    -- The same in a poller of the program's own.
    local x, y = lsock.socketpair()
    local st2 = lsock.stream.wrap(x)
    local p = assert(lsock.poller())
    finally(function() p:close() y:close() end)
    assert(p:add(st2, "r"))
    assert.equal(1, #p)
    st2:close()
    assert.is_true(p:remove(st2))
    assert.equal(0, #p)
  end)

  it("issue 14: server:run() inside a task serves in the loop (iterative mode)", function()
    local srv = assert(lsock.server.tcp {
      host = "127.0.0.1", port = 0,
      handler = function(c) c:sendall(c:recv(5, "waitall")) end,
    })
    local ticks, reply = 0, nil
    loop.spawn(function() srv:run() end)
    loop.spawn(function()
      while not srv.closed do loop.sleep(0.02) ticks = ticks + 1 end
    end)
    loop.spawn(function()
      local c = loop.wrap(assert(lsock.tcp.connect("127.0.0.1", srv.addr.port)))
      c:send("he")
      loop.sleep(0.05)
      c:send("llo")
      reply = c:recv(5, "waitall")
      c:close()
      srv:close()
    end)
    run(10, function() return srv.closed and reply ~= nil end)
    assert.equal("hello", reply)
    assert.is_true(ticks >= 2)
  end)

  it("issue 14: server:start() with the program's loop.run(): a raising stop makes run() raise",
     function()
    local srv = assert(lsock.server.tcp {
      host = "127.0.0.1", port = 0, mode = "coroutine", interval = 0.01,
      handler = function() end,
      stop = function() error("stop failed") end,
    })
    srv:start()
    local ok, err = pcall(loop.run)
    assert.is_false(ok)
    assert.matches("stop failed", tostring(err))
    assert.is_true(srv.closed)
    assert.has_error(function() srv.sock:fileno() end)
  end)

  it("issue 14: the server's listener is tcp.listen's (reuseport, v6only, setsockopt errors)",
     function()
    local srv = assert(lsock.server.tcp {
      host = "127.0.0.1", port = 0, reuseport = true, handler = function() end,
    })
    finally(function() srv:close() end)
    assert.is_true(srv.sock:getsockopt("socket", "reuseport"))
    local s6 = lsock.server.tcp { host = "::1", port = 0, v6only = true,
                                  handler = function() end }
    if s6 then
      assert.is_true(s6.sock:getsockopt("ipv6", "v6only"))
      s6:close()
    end
  end)
  it("issue 14: a stream over a plain socket yields inside a task", function()
    local a, b = lsock.socketpair()
    local st = lsock.stream.wrap(a)
    finally(function() st:close() b:close() end)
    local ticks, line, stop = 0, nil, false
    loop.spawn(function()
      while not stop do loop.sleep(0.02) ticks = ticks + 1 end
    end)
    loop.spawn(function()
      line = st:read("l")
      stop = true
    end)
    loop.spawn(function()
      loop.sleep(0.15)
      b:send("hello\n")
    end)
    run(5, function() return stop end)
    assert.equal("hello", line)
    assert.is_true(ticks >= 3, "ticks: " .. ticks)
  end)

  it("issue 14: unix.connect inside a task yields while the backlog is full", function()
    local path = os.tmpname()
    os.remove(path)
    local l = assert(lsock.unix.listen(path, { backlog = 0 }))
    local fillers = {}
    finally(function()
      l:close()
      for _, s in ipairs(fillers) do s:close() end
      os.remove(path)
    end)
    for _ = 1, 4 do
      local s = assert(lsock.socket("unix", "stream"))
      s:settimeout(0)
      if s:connect(path) then fillers[#fillers + 1] = s else s:close() end
    end
    local ticks, res, stop = 0, nil, false
    loop.spawn(function()
      while not stop do loop.sleep(0.02) ticks = ticks + 1 end
    end)
    loop.spawn(function()
      res = { lsock.unix.connect(path, { timeout = 0.3 }) }
      stop = true
    end)
    run(10, function() return stop end)
    if res[1] then res[1]:close() end
    assert.equal(E.ETIMEDOUT, res[3])
    assert.is_true(ticks >= 5, "ticks: " .. ticks)
  end)
  for _, mode in ipairs { "select", "fork" } do
    it("issue 14: server:run() inside a task serves in the loop (" .. mode .. " mode)",
       function()
      local srv = assert(lsock.server.tcp {
        host = "127.0.0.1", port = 0, mode = mode, interval = 0.02,
        handler = function(c)
          local d = c:recv(100)
          if d and d ~= "" then c:sendall(d:upper()) end
          return false
        end,
      })
      local ticks, reply, served = 0, nil, false
      loop.spawn(function() srv:run() served = true end)
      loop.spawn(function()
        while not served do loop.sleep(0.02) ticks = ticks + 1 end
      end)
      loop.spawn(function()
        local c = loop.wrap(assert(lsock.tcp.connect("127.0.0.1", srv.addr.port)))
        c:settimeout(5)
        loop.sleep(0.05)
        c:send("hello")
        reply = c:recv(5, "waitall")
        c:close()
        srv:close()
      end)
      run(15, function() return served end)
      assert.equal("HELLO", reply)
      assert.is_true(ticks >= 2, "ticks: " .. ticks)
    end)
  end

  it("issue 14: a UDP server's run() inside a task serves in the loop", function()
    local srv = assert(lsock.server.udp {
      host = "127.0.0.1", port = 0, interval = 0.02, handler = string.upper,
    })
    local reply, served = nil, false
    loop.spawn(function() srv:run() served = true end)
    loop.spawn(function()
      local u = loop.wrap(assert(lsock.socket("inet", "dgram")))
      u:settimeout(5)
      assert(u:sendto("ping", srv.addr))
      reply = u:recvfrom(100)
      u:close()
      srv:close()
    end)
    run(10, function() return served end)
    assert.equal("PING", reply)
  end)
end)
