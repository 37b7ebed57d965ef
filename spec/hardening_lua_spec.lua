-- Issue 13, the Lua layer: option tables checked by one checker
-- (lsock.util.checkopts), servers that forget closed connections, end
-- their tasks after `grace`, release the listener when `stop` raises, reap
-- only their own children and deliver the last UDP reply; multicast
-- groups checked before any socket exists.  Peers are python3, a second
-- lua5.4 process and lsock sockets; every wait is bounded.
--
-- The multicast cases check that a bad group is refused before any
-- socket exists (an option-name error, a unix address, a group that is
-- not a numeric address): nothing is joined or sent, so no network
-- namespace is needed (multicast traffic runs in a netns:
-- multicast_spec.lua).
local lsock = require "lsock"
local H = require "spec.helper"

local function raises(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error matching " .. pattern)
  assert.matches(pattern, tostring(err))
end

describe("issue 13, option tables", function()
  it("issue 13 item 14: every helper raises on an unknown opts key, naming it", function()
    local tcp, udp, unix = lsock.tcp, lsock.udp, lsock.unix
    local stream, mc, server = lsock.stream, lsock.multicast, require "lsock.server"
    local l <close> = assert(tcp.listen("127.0.0.1", 0))
    local port = l:getsockname().port
    raises("bad argument #3 to 'connect' %(unknown option 'tmeout'%)",
           tcp.connect, "127.0.0.1", port, { tmeout = 1 })
    raises("bad argument #3 to 'listen' %(unknown option 'backlg'%)",
           tcp.listen, "127.0.0.1", 0, { backlg = 5 })
    raises("bad argument #1 to 'open' %(unknown option 'bnd'%)",
           udp.open, { bnd = { "127.0.0.1", 0 } })
    raises("unknown option 'tyep'", unix.listen, "/nonexistent/x.sock", { tyep = "dgram" })
    raises("unknown option 'timout'", unix.connect, "/nonexistent/x.sock", { timout = 1 })
    local c, a = H.tcp_pair()
    finally(function() H.close(c, a) end)
    raises("bad argument #2 to 'wrap' %(unknown option 'bufsze'%)",
           stream.wrap, c, { bufsze = 10 })
    raises("unknown option 'interfac'", mc.receiver, "225.0.0.10", 0, { interfac = 1 })
    raises("unknown option 'tll'", mc.sender, "225.0.0.10", 7, { tll = 0 })
    raises("unknown option 'handelr'", server.tcp,
           { host = "127.0.0.1", handler = print, handelr = print })
    raises("unknown option 'sise'", server.udp,
           { host = "127.0.0.1", handler = print, sise = 10 })
    -- Non-string keys are unknown too, and the types of known ones count.
    raises("unknown option '1'", udp.open, { "127.0.0.1" })
    raises("option 'timeout': number expected, got string",
           tcp.connect, "127.0.0.1", port, { timeout = "5" })
    raises("option 'bind': lsock.sockaddr or table expected, got string",
           udp.open, { bind = "127.0.0.1" })
    -- Nothing was created by the calls that raised.
    assert.is_nil(io.open("/nonexistent/x.sock"))
  end)

  it("issue 13 item 14: a correctly spelt opts table still works against python3", function()
    local s <close> = assert(lsock.udp.open{ bind = { "127.0.0.1", 0 }, timeout = 5 })
    local p = H.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"hello", ("127.0.0.1", int(sys.argv[1])))
print(s.recvfrom(100)[0].decode(), flush=True)
]], s:getsockname().port)
    finally(function() p:cleanup() end)
    local data, from = s:recvfrom(100)
    assert.equal("hello", data)
    assert(s:sendto("HELLO", from))
    assert.equal("HELLO", p:line())
  end)

  it("issue 13 item 14: stream.wrap of a datagram socket raises", function()
    local d <close> = assert(lsock.socket("inet", "dgram"))
    raises("bad argument #1 to 'wrap' %(stream socket expected, got dgram%)",
           lsock.stream.wrap, d)
    local a, b = assert(lsock.socketpair("unix", "dgram"))
    finally(function() H.close(a, b) end)
    raises("stream socket expected", lsock.stream.wrap, require("lsock.loop").wrap(a))
  end)

  it("issue 13 item 14: tcp.connect takes an array of host strings and sockaddrs,"
     .. " port applied to the strings", function()
    local l <close> = assert(lsock.tcp.listen("127.0.0.1", 0, { timeout = 5 }))
    local port = l:getsockname().port
    -- A port where nothing listens: bind one and close it.
    local dead = assert(lsock.tcp.listen("127.0.0.1", 0))
    local deadaddr = dead:getsockname()
    dead:close()
    -- A refused sockaddr first (its own port), then a name with `port`.
    local c = assert(lsock.tcp.connect({ deadaddr, "127.0.0.1" }, port, { timeout = 5 }))
    local a = assert(l:accept())
    assert.equal(port, c:getpeername().port)
    H.close(c, a)
    -- Strings alone.
    c = assert(lsock.tcp.connect({ "127.0.0.2", "127.0.0.1" },
                                 port, { timeout = 5, family = "inet" }))
    a = assert(l:accept())
    H.close(c, a)
    -- Sockaddrs alone need no port.
    c = assert(lsock.tcp.connect({ l:getsockname() }, nil, { timeout = 5 }))
    a = assert(l:accept())
    H.close(c, a)
    raises("bad argument #2 to 'connect' %(port expected%)",
           lsock.tcp.connect, { l:getsockname(), "127.0.0.1" })
    raises("host string or sockaddr expected at index 2",
           lsock.tcp.connect, { "127.0.0.1", 42 }, port)
  end)

  it("issue 13 item 15: stream.wrap checks the bounds of bufsize and maxline", function()
    local c, a = H.tcp_pair()
    finally(function() H.close(c, a) end)
    raises("option 'bufsize' must be at most", lsock.stream.wrap, c, { bufsize = 1 << 40 })
    raises("option 'bufsize': integer expected, got number",
           lsock.stream.wrap, c, { bufsize = 2.0 ^ 40 })
    raises("option 'bufsize' must be at most", lsock.stream.wrap, c, { bufsize = 1 << 31 })
    raises("option 'maxline': integer expected", lsock.stream.wrap, c, { maxline = 1.5 })
    raises("option 'maxline' must be at least 1", lsock.stream.wrap, c, { maxline = 0 })
    -- The largest accepted size reads as any other.
    local st = lsock.stream.wrap(c, { bufsize = (1 << 31) - 1 })
    assert(a:sendall("line\n"))
    assert.equal("line", st:read("l"))
    st:close()
  end)
end)

describe("issue 13, multicast groups", function()
  it("issue 13 item 11: receiver with a unix sockaddr group raises before any"
     .. " socket exists", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. H.quote(dir)))
    finally(function() os.execute("rm -rf " .. H.quote(dir)) end)
    -- A second lua5.4 process in an empty directory: nothing may appear.
    -- The module paths made absolute, since the child runs elsewhere.
    local cwd = io.popen("pwd"):read("l")
    local function abs(path)
      return (path:gsub("%./", cwd .. "/"))
    end
    local p = H.spawn(("sh -c %s"):format(H.quote(("cd %s && LUA_PATH=%s LUA_CPATH=%s exec %s -")
      :format(H.quote(dir), H.quote(abs(package.path)), H.quote(abs(package.cpath)), H.LUA))), [[
local lsock = require "lsock"
-- Sockets only: other descriptors (under make test-valgrind, the parent's)
-- come and go.
local socket_count = require "helper".socket_count
local before = socket_count()
local ok, err = pcall(lsock.multicast.receiver, lsock.addr("/tmp/group.sock"), 0)
print(ok, err)
local after = socket_count()
print(before == after, before, after)
]])
    finally(function() p:cleanup() end)
    local out = p:finish()
    assert.matches("^false\t[^\n]*bad argument #1 to 'receiver' "
                   .. "%(inet or inet6 group expected, got unix%)", out)
    assert.matches("\ntrue\t%d+\t%d+\n$", out)
    local ls = io.popen("ls -A " .. H.quote(dir))
    assert.equal("", ls:read("a"))
    ls:close()
    raises("inet or inet6 group expected, got unix", lsock.multicast.sender,
           lsock.addr("/tmp/group.sock"), 7)
  end)

  it("issue 13 item 11: sender and receiver treat an unresolvable group alike:"
     .. " nil, msg, EAI code", function()
    for _, group in ipairs { "no.such.group.invalid", "225.0.0.300" } do
      local r, rmsg, rcode = lsock.multicast.receiver(group, 0)
      local s, smsg, scode = lsock.multicast.sender(group, 7)
      assert.is_nil(r)
      assert.is_nil(s)
      assert.is_string(rmsg)
      assert.equal(rmsg, smsg)
      assert.equal(lsock.EAI_NONAME, rcode)
      assert.equal(rcode, scode)
    end
  end)
end)

-- Servers: each runs in a forked child (the spec is its client), so a
-- server that hangs is killed after a bounded wait instead of hanging
-- busted.
local server = require "lsock.server"
local loop = require "lsock.loop"

-- Fork; the child runs body() and exits with its result (an integer
-- code; an error is 3).  Returns the pid.
local function child(body)
  local pid = assert(lsock.fork())
  if pid == 0 then
    local ok, code = pcall(body)
    if not ok then io.stderr:write(tostring(code), "\n") end
    os.exit(ok and (code or 0) or 3)
  end
  return pid
end


local function connect(addr)
  local c = assert(lsock.socket(addr.family, "stream"))
  c:settimeout(5)
  assert(c:connect(addr))
  return c
end

describe("issue 13, servers", function()
  it("issue 13 item 6: loop.cancel ends a sleeping and a reading task, and the"
     .. " loop forgets them", function()
    local c, a = H.tcp_pair()
    finally(function() H.close(c, a) end)
    local wa = loop.wrap(a)
    local closed = {}
    local function guard(name)
      return setmetatable({}, { __close = function() closed[#closed + 1] = name end })
    end
    local sleeper = loop.spawn(function()
      local _ <close> = guard("sleeper")
      loop.sleep(60)
      error("resumed after cancel")
    end)
    local reader = loop.spawn(function()
      local _ <close> = guard("reader")
      wa:recv(10)
      error("resumed after cancel")
    end)
    local errors = {}
    local onerror = loop.onerror
    loop.onerror = function(msg) errors[#errors + 1] = msg end
    finally(function() loop.onerror = onerror end)
    loop.spawn(function()
      loop.sleep(0.05)
      assert.is_true(loop.cancel(sleeper))
      assert.is_true(loop.cancel(reader))
      assert.is_false(loop.cancel(reader))            -- dead now
      assert.is_false(loop.cancel(coroutine.running())) -- running
      assert(c:sendall("late"))                        -- nobody reads
    end)
    local t0 = lsock.monotime()
    assert.is_true(loop.run())                         -- no task left
    assert.is_true(lsock.monotime() - t0 < 10)
    table.sort(closed)
    assert.same({ "reader", "sleeper" }, closed)
    assert.same({}, errors)
    -- The socket can be waited on again by a new task.
    local got
    loop.spawn(function() got = wa:recv(10) end)
    loop.run()
    assert.equal("late", got)
  end)

  it("issue 13 item 5: select mode forgets a connection another handler closed", function()
    local conns = {}
    local srv = assert(server.tcp{ host = "127.0.0.1", mode = "select", timeout = 5,
      handler = function(c)
        conns[c] = true
        local d = c:recv(100)
        if not d or d == "" then conns[c] = nil return false end
        if d == "kick" then
          -- A chat server kicking the other clients.
          for o in pairs(conns) do
            if o ~= c then o:close() conns[o] = nil end
          end
        end
        c:sendall(d:upper())
      end })
    local pid = child(function() srv:run() end)
    srv.sock:close()
    finally(function() H.reap(pid, 0) end)
    local a, b = connect(srv.addr), connect(srv.addr)
    assert(b:sendall("hi"))
    assert.equal("HI", b:recv(10))
    assert(a:sendall("hello"))
    assert.equal("HELLO", a:recv(10))
    assert(a:sendall("kick"))
    assert.equal("KICK", a:recv(10))
    assert.equal("", b:recv(10))          -- kicked
    -- Both the kicker and a new client are still served.
    assert(a:sendall("again"))
    assert.equal("AGAIN", a:recv(10))
    local c = connect(srv.addr)
    assert(c:sendall("new"))
    assert.equal("NEW", c:recv(10))
    H.close(a, b, c)
  end)

  it("issue 13 item 6: after grace, coroutine tasks are ended and run() returns", function()
    local flag = os.tmpname()
    os.remove(flag)
    finally(function() os.remove(flag) end)
    local srv = assert(server.tcp{ host = "127.0.0.1", mode = "coroutine",
      deadline = 0.5, grace = 0.3,
      handler = function()
        local _ <close> = setmetatable({}, { __close = function()
          io.open(flag, "w"):close()
        end })
        while true do loop.sleep(0.05) end   -- never returns
      end })
    local pid = child(function()
      local t0 = lsock.monotime()
      srv:run()
      local t = lsock.monotime() - t0
      -- ended: its to-be-closed variable ran; and in time
      return (io.open(flag) and t < 5) and 0 or 4
    end)
    srv.sock:close()
    local c = connect(srv.addr)
    finally(function() c:close() end)
    assert.same({ "exited", 0 }, { H.reap(pid, 15) })
    assert.equal("", c:recv(10))   -- the connection was closed
  end)

  it("issue 13 item 6: after grace, fork children are killed and reaped", function()
    local pidfile = os.tmpname()
    finally(function() os.remove(pidfile) end)
    local srv = assert(server.tcp{ host = "127.0.0.1", mode = "fork",
      deadline = 0.5, grace = 0.3,
      handler = function(c)
        -- /proc/self is this process: io.open starts no other.
        local me = io.open("/proc/self/stat"):read("n")
        local f = io.open(pidfile, "w")
        f:write(me)
        f:close()
        c:sendall("started\n")
        while true do lsock.sleep(0.05) end  -- never returns
      end })
    local pid = child(function()
      srv:run()
      -- The handler's process is gone, not even a zombie: killed and
      -- reaped by run().
      local f = io.open(pidfile)
      local hpid = f:read("n")
      f:close()
      return (hpid and io.open("/proc/" .. hpid .. "/stat") == nil) and 0 or 4
    end)
    srv.sock:close()
    local c = connect(srv.addr)
    finally(function() c:close() end)
    assert.equal("started\n", c:recv(10))
    assert.same({ "exited", 0 }, { H.reap(pid, 15) })
    assert.equal("", c:recv(10))   -- its handler's process was killed
  end)

  for _, mode in ipairs { "iterative", "select", "fork", "coroutine" } do
    it("issue 13 item 7: a stop that raises makes run() raise and releases the"
       .. " listener and the file ("
       .. mode .. ")", function()
      local path = os.tmpname()
      os.remove(path)
      path = path .. ".sock"
      finally(function() os.remove(path) end)
      local calls = 0
      local srv = assert(server.tcp{ path = path, mode = mode, interval = 0.05,
        grace = 5, timeout = 5,
        handler = function(c)
          if mode == "select" then
            local d = c:recv(10)
            if not d or d == "" then return false end
          else
            while true do
              local d = c:recv(10)
              if not d or d == "" then return end
            end
          end
        end,
        stop = function()
          calls = calls + 1
          if calls == 3 then error("stop failed on purpose") end
        end })
      local pid = child(function()
        local ok, err = pcall(srv.run, srv)
        if ok or not tostring(err):find("stop failed on purpose", 1, true) then
          return 4
        end
        -- Released by this process itself: its listener is closed and
        -- the path is gone (a connect says ENOENT, not ECONNREFUSED).
        if pcall(srv.sock.fileno, srv.sock) then return 5 end
        local probe = lsock.socket("unix", "stream")
        local _, _, code = probe:connect(path)
        probe:close()
        return code == lsock.errno.ENOENT and 0 or 6
      end)
      srv.sock:close()
      -- A client stays connected: the failure must not wait for it.
      local c = assert(lsock.socket("unix", "stream"))
      c:settimeout(5)
      assert(c:connect(path))
      finally(function() c:close() end)
      assert.same({ "exited", 0 }, { H.reap(pid, 10) })
    end)
  end

  it("issue 13 item 8: the fork server reaps only its own children", function()
    local srv = assert(server.tcp{ host = "127.0.0.1", mode = "fork", interval = 0.05,
      handler = function(c)
        c:sendall("hi\n")
        c:settimeout(5)
        c:recv(10)          -- until the client goes
      end,
      stop = (function()
        local p, n = nil, 0
        return function()
          n = n + 1
          if n == 1 then p = io.popen("exit 7") end
          if n == 20 then      -- 1 s later: the server reaped in between
            local ok, how, code = p:close()
            _G.POPEN_RESULT = { ok, how, code }
            return true
          end
        end
      end)() })
    local pid = child(function()
      srv:run()
      local r = _G.POPEN_RESULT
      return (r and r[2] == "exit" and r[3] == 7) and 0 or 4
    end)
    srv.sock:close()
    -- A connection keeps a child alive, so the server reaps while it waits.
    local c = connect(srv.addr)
    finally(function() c:close() end)
    assert.equal("hi\n", c:recv(10))
    assert.same({ "exited", 0 }, { H.reap(pid, 15) })
  end)

  it("issue 13 item 9: server.udp sends the reply of a handler that closed the server", function()
    for _, mode in ipairs { "iterative", "coroutine" } do
      local srv
      srv = assert(server.udp{ host = "127.0.0.1", mode = mode,
        handler = function(data)
          if data == "slow" then
            if mode == "coroutine" then loop.sleep(0.3) end
            return "late"
          end
          if data == "close" then srv:close() return "closing" end
        end })
      local pid = child(function() srv:run() end)
      srv.sock:close()
      local p = H.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
to = ("127.0.0.1", int(sys.argv[1]))
got = []
if sys.argv[2] == "coroutine":
    s.sendto(b"slow", to)
s.sendto(b"close", to)
try:
    for i in range(2 if sys.argv[2] == "coroutine" else 1):
        got.append(s.recvfrom(100)[0].decode())
except socket.timeout:
    got.append("timeout")
print(" ".join(sorted(got)), flush=True)
]], srv.addr.port, mode)
      finally(function() p:cleanup() end)
      local want = mode == "coroutine" and "closing late" or "closing"
      assert.equal(want, p:line())
      assert.same({ "exited", 0 }, { H.reap(pid, 10) })
    end
  end)

  it("issue 13 item 10: the constructors check every option's type and range, naming it", function()
    local bad = {
      { "interval", -1 }, { "interval", 0 / 0 }, { "interval", 0 },
      { "timeout", "5" }, { "timeout", -1 }, { "deadline", -1 },
      { "deadline", 0 / 0 }, { "grace", "x" }, { "grace", -0.5 },
      { "max", 0 }, { "max", "10" }, { "mode", 5 }, { "mode", "threads" },
      { "handler", "print" }, { "backoff", 0 }, { "port", 70000 },
      { "port", -1 }, { "host", 127 }, { "stop", true }, { "onerror", 1 },
      { "reuseaddr", "yes" }, { "backlog", 1.5 }, { "path", 1 },
    }
    for _, case in ipairs(bad) do
      for _, kind in ipairs { "tcp", "udp" } do
        local k, v = case[1], case[2]
        if not (kind == "udp" and k == "backlog") then
          local opts = { host = "127.0.0.1", handler = print }
          if k == "host" then opts.host = nil end
          opts[k] = v
          local ok, err = pcall(server[kind], opts)
          assert.is_false(ok, kind .. " accepted " .. k .. " = " .. tostring(v))
          assert.matches("bad argument #1 to '" .. kind .. "' %(option '" .. k .. "'",
                         tostring(err))
        end
      end
    end
    raises("option 'size' must be at least 1", server.udp,
           { host = "127.0.0.1", handler = print, size = 0 })
    raises("unknown option 'backlog'", server.udp,
           { host = "127.0.0.1", handler = print, backlog = 5 })
    raises("option 'handler' missing", server.tcp, { host = "127.0.0.1" })
    -- Good values still work: a server with every option set serves.
    local srv
    srv = assert(server.tcp{ host = "127.0.0.1", port = 0, mode = "select",
      max = 4, timeout = 5, deadline = 30, grace = 1, interval = 0.05,
      backoff = 0.1, backlog = 8, reuseaddr = true, onerror = print,
      stop = function() return false end,
      handler = function(c)
        local d = c:recv(10)
        if not d or d == "" then return false end
        c:sendall(d:upper())
        srv:close()
      end })
    local pid = child(function() srv:run() end)
    srv.sock:close()
    local c = connect(srv.addr)
    finally(function() c:close() end)
    assert(c:sendall("ok"))
    assert.equal("OK", c:recv(10))
    assert.same({ "exited", 0 }, { H.reap(pid, 10) })
  end)
end)
