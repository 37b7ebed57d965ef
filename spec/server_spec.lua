-- lsock.server: every mode serves real clients; stop, isolation and caps.
-- Each server runs in a forked child; the spec is its client.
local lsock = require "lsock"
local server = require "lsock.server"
local support = require "support_poll"
local helper = require "helper"

-- A server's run() returns within its grace (5 s) of being stopped, and
-- its process then exits; a forked child's exit under make test-asan
-- runs LeakSanitizer over the whole busted heap, which on a loaded
-- machine takes seconds.  The bound covers grace and exit, with room.
local EXIT_LIMIT = 20
local function reap(pid) return helper.reap(pid, EXIT_LIMIT) end

local E = lsock.errno

-- Run srv in a child process; the parent keeps no copy of the listener
-- (closing the copy does not remove a unix path: only srv:close() does).
local function start(srv)
  local pid = assert(lsock.fork())
  if pid == 0 then
    local ok = pcall(srv.run, srv)
    os.exit(ok and 0 or 3)
  end
  srv.sock:close()
  return pid
end


local function kill(pid)
  os.execute("kill -9 " .. pid .. " 2>/dev/null")
  lsock.wait(pid)
end

-- Echo in upper case until the client shuts down; "quit" stops the server.
local function upper_handler(srv_ref)
  return function(sock)
    while true do
      local d = sock:recv(1024)
      if not d or d == "" then return end
      if d == "quit" then srv_ref[1]:close() return end
      if d == "boom" then error("handler failed on purpose") end
      sock:sendall(d:upper())
    end
  end
end

-- The select mode's handler: called when the socket is readable.
local function select_handler(srv_ref)
  return function(sock)
    local d = sock:recv(1024)
    if not d or d == "" then return false end
    if d == "quit" then srv_ref[1]:close() return false end
    if d == "boom" then error("handler failed on purpose") end
    sock:sendall(d:upper())
  end
end

local function tmppath()
  local p = os.tmpname()
  os.remove(p)
  return p .. ".sock"
end

local function client(srv_addr)
  local family = srv_addr.family
  local c = assert(lsock.socket(family, "stream"))
  c:settimeout(5)
  assert(c:connect(srv_addr))
  return c
end

local function exchange(c, msg)
  assert.equal(#msg, c:sendall(msg))
  return support.recvn(c, #msg)
end

for _, mode in ipairs({ "iterative", "fork", "select", "coroutine" }) do
  for _, where in ipairs({ "inet", "unix" }) do
    describe("server.tcp{mode=\"" .. mode .. "\"} over " .. where, function()
      it("serves clients and stops on close() or its stop function", function()
        local ref, errfile = {}, os.tmpname()
        local flag = os.tmpname()
        os.remove(flag)
        local path = where == "unix" and tmppath() or nil
        finally(function() os.remove(errfile) os.remove(flag) end)
        local srv = assert(server.tcp{
          host = "127.0.0.1", port = 0, path = path, mode = mode,
          handler = mode == "select" and select_handler(ref) or upper_handler(ref),
          onerror = function(msg)
            local f = io.open(errfile, "a")
            f:write(msg, "\n")
            f:close()
          end,
          -- a forked handler cannot close the parent: a flag file can
          stop = function() return io.open(flag) ~= nil end,
          interval = 0.05,
        })
        ref[1] = srv
        if path then
          assert.equal(path, srv.addr.path)
        else
          assert.equal("127.0.0.1", srv.addr.host)
          assert.is_true(srv.addr.port > 0)
        end
        local pid = start(srv)
        local ok, err = pcall(function()
          if mode == "iterative" then
            for i = 1, 5 do
              local c = client(srv.addr)
              assert.equal("HELLO " .. i, exchange(c, "hello " .. i))
              c:close()
            end
          else
            local cs = {}
            for i = 1, 5 do cs[i] = client(srv.addr) end
            for round = 1, 3 do
              for i = 5, 1, -1 do
                assert.equal(("C%d R%d"):format(i, round),
                  exchange(cs[i], ("c%d r%d"):format(i, round)))
              end
            end
            for i = 1, 5 do cs[i]:close() end
          end
          -- a failing handler loses its connection only
          local bad = client(srv.addr)
          bad:send("boom")
          assert.equal("", bad:recv(10))
          bad:close()
          local c = client(srv.addr)
          assert.equal("STILL HERE", exchange(c, "still here"))
          if mode == "fork" then
            c:close()
            io.open(flag, "w"):close()
          else
            c:send("quit")
            assert.equal("", c:recv(10))
            c:close()
          end
          assert.same({ "exited", 0 }, { reap(pid) })
          pid = nil
          local f = io.open(errfile)
          local log = f:read("a")
          f:close()
          assert.matches("handler failed on purpose", log)
          assert.matches("traceback", log)
          -- closed: nobody listens any more, and the unix path is gone
          local probe = lsock.socket(srv.addr.family, "stream")
          local okc, _, e = probe:connect(srv.addr)
          probe:close()
          assert.is_nil(okc)
          if path then
            assert.is_nil(io.open(path))
            assert.is_true(e == E.ENOENT or e == E.ECONNREFUSED)
          else
            assert.equal(E.ECONNREFUSED, e)
          end
        end)
        if pid then kill(pid) end
        if path then os.remove(path) end
        assert(ok, err)
      end)
    end)
  end
end

describe("server.tcp", function()
  it("returns nil, msg, EADDRINUSE for a port in use", function()
    local a = assert(server.tcp{ host = "127.0.0.1", port = 0, handler = print })
    local b, msg, e = server.tcp{ host = "127.0.0.1", port = a.addr.port, handler = print }
    a:close()
    assert.is_nil(b)
    assert.is_string(msg)
    assert.equal(E.EADDRINUSE, e)
  end)

  it("replaces a stale unix socket file, not a live one", function()
    local path = tmppath()
    finally(function() os.remove(path) end)
    local old = lsock.socket("unix", "stream")
    assert(old:bind(path))
    old:close()                  -- the file stays: stale
    local srv = assert(server.tcp{ path = path, handler = print })
    local again, _, e = server.tcp{ path = path, handler = print }
    assert.is_nil(again)
    assert.equal(E.EADDRINUSE, e)
    assert.is_true(srv:close())
    assert.is_nil(io.open(path))
    assert.is_true(srv:close())  -- twice is harmless
  end)

  it("stops at its deadline", function()
    local srv = assert(server.tcp{ host = "127.0.0.1", handler = print, deadline = 0.2 })
    local t0 = lsock.monotime()
    assert.is_true(srv:run())
    local t = lsock.monotime() - t0
    assert.is_true(t >= 0.19 and t < 3, "ran " .. t)
  end)

  it("raises on a bad mode or a missing handler", function()
    assert.error_matches(function() server.tcp{ mode = "threads", handler = print } end,
      "option 'mode': unknown value 'threads'")
    assert.error_matches(function() server.tcp{ mode = "fork" } end,
      "option 'handler' missing: function expected")
    assert.error_matches(function() server.udp{ mode = "fork", handler = print } end,
      "option 'mode': unknown value 'fork'")
  end)

  for _, mode in ipairs({ "select", "coroutine", "fork" }) do
    it("caps the open connections (" .. mode .. ")", function()
      local srv = assert(server.tcp{
        host = "127.0.0.1", mode = mode, max = 2, interval = 0.05,
        handler = mode == "select" and select_handler({}) or upper_handler({}),
      })
      local pid = start(srv)
      finally(function() kill(pid) end)
      local a, b, c = client(srv.addr), client(srv.addr), client(srv.addr)
      assert.equal("A", exchange(a, "a"))
      assert.equal("B", exchange(b, "b"))
      -- the third waits in the backlog: no answer yet
      c:send("c")
      c:settimeout(0.3)
      assert.same({ nil, "timeout", E.ETIMEDOUT }, { c:recv(1) })
      a:close()
      c:settimeout(5)
      assert.equal("C", c:recv(1))
      assert.equal("B2", exchange(b, "b2"))
      b:close()
      c:close()
    end)
  end

  it("lets open connections finish after close (coroutine)", function()
    local ref = {}
    local srv = assert(server.tcp{
      host = "127.0.0.1", mode = "coroutine", handler = upper_handler(ref),
    })
    ref[1] = srv
    local pid = start(srv)
    finally(function() kill(pid) end)
    local a = client(srv.addr)
    assert.equal("X", exchange(a, "x"))
    local b = client(srv.addr)
    b:send("quit")
    assert.equal("", b:recv(10))
    -- a still served; new clients refused
    assert.equal("STILL", exchange(a, "still"))
    local probe = lsock.socket("inet", "stream")
    assert.same({ nil, lsock.strerror(E.ECONNREFUSED), E.ECONNREFUSED },
      { probe:connect(srv.addr) })
    probe:close()
    assert.equal(0, lsock.wait(pid, "nohang"))
    a:close()
    assert.same({ "exited", 0 }, { reap(pid) })
  end)
end)

describe("server.udp", function()
  for _, mode in ipairs({ "iterative", "coroutine" }) do
    for _, where in ipairs({ "inet", "unix" }) do
      it("answers datagrams (" .. mode .. ", " .. where .. ")", function()
        local ref = {}
        local path = where == "unix" and tmppath() or nil
        local srv = assert(server.udp{
          host = "127.0.0.1", path = path, mode = mode,
          handler = function(data)
            if data == "quit" then ref[1]:close() return nil end
            if data == "boom" then error("bad datagram") end
            if data == "slow" and mode == "coroutine" then
              require("lsock.loop").sleep(0.2)
            end
            return data:upper()
          end,
          onerror = function() end,
        })
        ref[1] = srv
        local pid = start(srv)
        local cpath = path and tmppath()
        finally(function()
          kill(pid)
          if path then os.remove(path) os.remove(cpath) end
        end)
        local c = assert(lsock.socket(where, "dgram"))
        if cpath then assert(c:bind(cpath)) end
        c:settimeout(5)
        if mode == "coroutine" then
          -- a slow handler holds up nobody: "fast" is answered first
          assert(c:sendto("slow", srv.addr))
          assert(c:sendto("fast", srv.addr))
          assert.equal("FAST", c:recv(100))
          assert.equal("SLOW", c:recv(100))
        end
        for i = 1, 5 do
          assert(c:sendto("boom", srv.addr))
          assert(c:sendto("datagram " .. i, srv.addr))
          local d, from = c:recvfrom(100)
          assert.equal("DATAGRAM " .. i, d)
          assert.equal(tostring(srv.addr), tostring(from))
        end
        assert(c:sendto("quit", srv.addr))
        assert.same({ "exited", 0 }, { reap(pid) })
        c:close()
      end)
    end
  end
end)
