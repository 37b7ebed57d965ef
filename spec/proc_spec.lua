-- lsock.fork and lsock.wait: the pieces of a forking server.
local lsock = require "lsock"

describe("lsock.fork() and lsock.wait()", function()
  it("reports a child's exit status", function()
    local pid = assert(lsock.fork())
    if pid == 0 then os.exit(7) end
    local got, how, code = lsock.wait(pid)
    assert.same({ pid, "exited", 7 }, { got, how, code })
  end)

  it("reports the signal that ended a child", function()
    local pid = assert(lsock.fork())
    if pid == 0 then
      lsock.sleep(10)
      os.exit(0)
    end
    -- still running: nohang says 0
    assert.equal(0, lsock.wait(pid, "nohang"))
    os.execute("kill -9 " .. pid)
    local got, how, code = lsock.wait(pid)
    assert.same({ pid, "signaled", 9 }, { got, how, code })
  end)

  it("waits for any child without a pid, and says ECHILD with none", function()
    local pids = {}
    for i = 1, 3 do
      local pid = assert(lsock.fork())
      if pid == 0 then os.exit(i) end
      pids[pid] = i
    end
    for _ = 1, 3 do
      local pid, how, code = lsock.wait()
      assert.equal("exited", how)
      assert.equal(pids[pid], code)
      pids[pid] = nil
    end
    assert.is_nil(next(pids))
    local ok, msg, e = lsock.wait()
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(lsock.errno.ECHILD, e)
    ok, msg, e = lsock.wait(-1, "nohang")
    assert.is_string(msg)
    assert.is_nil(ok)
    assert.equal(lsock.errno.ECHILD, e)
  end)

  it("shares a socket pair between parent and child", function()
    local a, b = lsock.socketpair()
    local pid = assert(lsock.fork())
    if pid == 0 then
      a:close()
      local n = tonumber(b:recv(10))
      b:sendall(tostring(n + 1))
      os.exit(0)
    end
    b:close()
    a:settimeout(5)
    assert(a:sendall("41"))
    assert.equal("42", a:recv(10))
    a:close()
    assert.same({ pid, "exited", 0 }, { lsock.wait(pid) })
  end)

  it("does not write buffered output twice", function()
    local out = io.popen("lua5.4 -e " .. "'local lsock = require \"lsock\"; "
      .. "io.stdout:setvbuf(\"full\"); io.write(\"once \"); "
      .. "local pid = lsock.fork(); if pid == 0 then os.exit(0) end; "
      .. "lsock.wait(pid); io.write(\"end\")'")
    assert.equal("once end", out:read("a"))
    out:close()
  end)

  it("raises on misuse", function()
    assert.error_matches(function() lsock.wait(1, "sometimes") end,
      "bad argument #2 to 'wait' %(invalid option 'sometimes'%)")
    assert.error_matches(function() lsock.wait("x") end, "bad argument #1 to 'wait'")
  end)
end)

describe("lsock.strerror()", function()
  it("gives the system's message for a code", function()
    assert.equal("Connection refused", lsock.strerror(lsock.errno.ECONNREFUSED))
    assert.error_matches(function() lsock.strerror(-1) end, "out of range")
  end)
end)
