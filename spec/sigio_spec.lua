-- Signal-driven I/O: s:setasync() and lsock.signalfd().
local lsock = require "lsock"
local S = require "spec.support_advio"

local SIGIO, SIGURG = 29, 23  -- Linux numbers (x86, arm)

local function blocked(sig)
  return S.status("SigBlk") & (1 << (sig - 1)) ~= 0
end

describe("lsock.signalfd()", function()
  it("blocks its signals while open and unblocks them on close", function()
    assert.is_false(blocked(SIGURG))
    local sfd = assert(lsock.signalfd({"SIGURG", "io"}))
    assert.is_true(blocked(SIGURG))
    assert.is_true(blocked(SIGIO))
    local other = assert(lsock.signalfd("urg"))
    sfd:close()
    -- still held by the other one
    assert.is_true(blocked(SIGURG))
    assert.is_false(blocked(SIGIO))
    other:close()
    assert.is_false(blocked(SIGURG))
    assert.is_true(other:close())  -- twice is harmless
    assert.equal("lsock.signalfd(closed)", tostring(other))
  end)

  it("has a fileno for select and the poller, and read(0) does not wait", function()
    local sfd <close> = assert(lsock.signalfd(SIGURG))
    assert.is_true(math.type(sfd:fileno()) == "integer")
    assert.is_true(S.isopen(sfd:fileno()))
    assert.matches("^lsock.signalfd%(fd=%d+%)$", tostring(sfd))
    local ok, _, err = sfd:read(0)
    assert.is_nil(ok)
    assert.equal(lsock.errno.EAGAIN, err)
    ok, err = sfd:read(0.02)
    assert.is_nil(ok)
    assert.equal("timeout", err)
  end)

  it("raises on unknown signals and on a closed object", function()
    assert.has_error(function() lsock.signalfd("SIGNOPE") end)
    assert.has_error(function() lsock.signalfd(true) end)
    assert.has_error(function() lsock.signalfd({"SIGURG", {}}) end)
    assert.has_error(function() lsock.signalfd(0) end)
    local sfd = assert(lsock.signalfd("SIGURG"))
    sfd:close()
    assert.has_error(function() sfd:read(0) end)
    assert.has_error(function() sfd:fileno() end)
  end)

  it("sees SIGURG when urgent data arrives on an owned socket", function()
    local sfd = assert(lsock.signalfd("SIGURG"))
    local c, s = S.tcppair()
    -- the sockets first: a FIN on an async socket is a SIGIO too
    finally(function() c:close(); s:close(); sfd:close() end)
    -- owner without O_ASYNC: SIGURG only (SIGIO, not blocked here, would kill)
    assert(s:setasync(false))
    c:send("data")
    c:send("!", "oob")
    local name, info = sfd:read(5)
    assert.equal("SIGURG", name)
    assert.equal(SIGURG, info.signo)
    assert.equal("!", s:recv(1, "oob"))
    assert.equal("data", s:recv(10))
  end)

  it("sees both with O_ASYNC on a stream socket", function()
    local sfd = assert(lsock.signalfd({"SIGURG", "SIGIO"}))
    local c, s = S.tcppair()
    finally(function() c:close(); s:close(); sfd:close() end)
    assert(s:setasync(true))
    c:send("!", "oob")
    local seen = {}
    for _ = 1, 4 do
      local name = sfd:read(next(seen) and 0.2 or 5)
      if not name then break end
      seen[name] = true
    end
    assert.is_true(seen.SIGURG)
    assert.is_true(seen.SIGIO)
  end)

  it("sees SIGIO when a datagram arrives on an async socket, not after setasync(false)", function()
    local sfd = assert(lsock.signalfd({"SIGIO"}))
    local r, c = S.udp(), S.udp()
    finally(function() r:close(); c:close(); sfd:close() end)
    assert(r:setasync(true))
    c:sendto("wake", r:getsockname())
    local name, info = sfd:read(5)
    assert.equal("SIGIO", name)
    assert.equal(SIGIO, info.signo)
    assert.is_number(info.band)
    assert.equal("wake", r:recv(10))
    assert(r:setasync(false))
    c:sendto("quiet", r:getsockname())
    assert.equal("quiet", r:recv(10))
    local ok, _, err = sfd:read(0)
    assert.is_nil(ok)
    assert.equal(lsock.errno.EAGAIN, err)
  end)

  it("discards a still-pending SIGIO on close instead of dying of it", function()
    local sfd = assert(lsock.signalfd("SIGIO"))
    local r, c = S.udp(), S.udp()
    finally(function() r:close(); c:close() end)
    r:setasync(true)
    c:sendto("x", r:getsockname())
    r:setasync(false)
    sfd:close()  -- SIGIO pending: its default action would end the process
    assert.is_false(blocked(SIGIO))
    assert.equal("x", r:recv(10))
  end)
end)

describe("lsock.signal()", function()
  -- A child lua5.4 sends itself SIGPIPE: with "ignore" it lives on, with
  -- "default" it dies of the signal, as a process writing to a vanished
  -- peer without MSG_NOSIGNAL would.
  local function child(action)
    local code = ([[
      local lsock = require "lsock"
      lsock.signal("SIGPIPE", "default")  -- whatever the parent left
      io.write(lsock.signal("SIGPIPE", %q), " "); io.flush()
      local pid = io.open("/proc/self/stat"):read("n")
      os.execute("kill -PIPE " .. pid)
      io.write("alive")
    ]]):format(action)
    local p = io.popen("lua5.4 -e '" .. code .. "'")
    local out = p:read("a")
    local _, how, n = p:close()
    return out, how, n
  end

  it("ignores SIGPIPE so that the process survives it", function()
    local out, how, n = child("ignore")
    assert.equal("default alive", out)
    assert.equal("exit", how)
    assert.equal(0, n)
  end)

  it("restores the default disposition and reports the previous one", function()
    local out = child("default")
    assert.equal("default ", out)  -- killed before "alive"
    -- lsock.compat.install() in another spec may have left it ignored.
    local before = lsock.signal("SIGPIPE", "default")
    assert.equal("default", lsock.signal("SIGPIPE"))
    assert.equal("default", lsock.signal("pipe", "ignore"))
    assert.equal("ignore", lsock.signal(13, "default"))
    assert.equal("default", lsock.signal("SIGPIPE"))
    lsock.signal("SIGPIPE", before)
  end)

  it("raises on an unknown signal or action, and reports EINVAL for SIGKILL", function()
    assert.error_matches(function() lsock.signal("bogus") end,
                         "unknown signal 'bogus'")
    assert.error_matches(function() lsock.signal("pipe", "handle") end,
                         "invalid option 'handle'")
    local ok, msg, e = lsock.signal("kill", "ignore")
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(lsock.errno.EINVAL, e)
  end)
end)

describe("lsock.kill()", function()
  it("ends a forked child, which wait then reports as signaled", function()
    local pid = lsock.fork()
    if pid == 0 then
      lsock.sleep(10)
      os.exit(0)
    end
    assert.is_true(lsock.kill(pid, 0))        -- it exists
    assert.is_true(lsock.kill(pid, "KILL"))
    local got, how, sig = lsock.wait(pid)
    assert.equal(pid, got)
    assert.equal("signaled", how)
    assert.equal(9, sig)
    local ok, _, e = lsock.kill(pid, 0)       -- reaped: gone
    assert.is_nil(ok)
    assert.equal(lsock.errno.ESRCH, e)
  end)

  it("sends SIGTERM by default and raises on a bad pid or signal", function()
    local pid = lsock.fork()
    if pid == 0 then
      lsock.sleep(10)
      os.exit(0)
    end
    assert.is_true(lsock.kill(pid))
    local _, how, sig = lsock.wait(pid)
    assert.equal("signaled", how)
    assert.equal(15, sig)
    assert.error_matches(function() lsock.kill(-1) end, "process id expected")
    assert.error_matches(function() lsock.kill(0) end, "process id expected")
    assert.error_matches(function() lsock.kill(1, "bogus") end, "unknown signal")
    assert.error_matches(function() lsock.kill(1, 4096) end, "invalid signal number")
  end)
end)
