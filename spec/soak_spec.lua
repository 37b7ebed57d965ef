-- Leak soak: 100,000 sockets of every kind opened and closed every way a
-- program does it (close, <close>, collection, accept, socketpair, received
-- descriptors); afterwards the process holds the descriptors it held
-- before and Lua's heap is back to its size.  Under `make test-valgrind`
-- (LSOCK_VALGRIND set) a tenth of the count runs: memcheck itself finds
-- the leaks there.
local lsock = require "lsock"

local SCALE = os.getenv("LSOCK_VALGRIND") and 0.1 or 1

-- This process's pid (lsock has no getpid): /proc/self in a popen would
-- be the shell's.
local PID = (function()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return pid
end)()

-- The socket descriptors this process holds: a set of "fd -> socket:[inode]"
-- lines, their count, and the list as text.
local function sockets()
  local p = io.popen("ls -l /proc/" .. PID .. "/fd")
  local set, n, list = {}, 0, {}
  for l in p:lines() do
    local entry = l:match("%d+ %-> socket:%[%d+%]")
    if entry then
      set[entry], n = true, n + 1
      list[#list + 1] = entry
    end
  end
  p:close()
  return set, n, table.concat(list, "\n")
end

local function heap()
  collectgarbage()
  collectgarbage()
  return collectgarbage("count")
end

local kinds = {
  { "inet", "stream" }, { "inet", "dgram" }, { "inet6", "stream" },
  { "inet6", "dgram" }, { "unix", "stream" }, { "unix", "dgram" },
  { "unix", "seqpacket" },
}

describe("leak soak (100,000 sockets)", function()
  local set0, list0, mem0, made

  -- No socket is open that was not open before (sockets that earlier
  -- spec files dropped may close meanwhile, which is no leak).
  local function samefds()
    local set, _, list = sockets()
    for entry in pairs(set) do
      assert(set0[entry], "left open: " .. entry .. "\nbefore:\n" .. list0
             .. "\nafter:\n" .. list)
    end
  end

  setup(function()
    -- Warm up every path once, so that lazily built tables, interned
    -- names and scratch buffers exist before the baseline.
    for _, k in ipairs(kinds) do lsock.socket(k[1], k[2]):close() end
    local a, b = lsock.socketpair("unix", "stream")
    a:sendfds("x", { a })
    local _, fds = b:recvfds(1)
    lsock.close(fds[1])
    a:close()
    b:close()
    made = 0
    -- Collect first: sockets earlier spec files dropped are closed by
    -- their __gc, not by this file's loops.
    heap()
    set0, _, list0 = sockets()
    mem0 = heap()
  end)

  it("closes what close() closes", function()
    for i = 1, 20000 * SCALE do
      local k = kinds[i % #kinds + 1]
      local s = assert(lsock.socket(k[1], k[2]))
      assert(s:close())
      made = made + 1
    end
    samefds()
  end)

  it("closes what <close> closes, also when the block raises", function()
    for i = 1, 20000 * SCALE do
      local k = kinds[i % #kinds + 1]
      local ok = pcall(function()
        local s <close> = assert(lsock.socket(k[1], k[2]))  -- luacheck: no unused
        if i % 2 == 0 then error("unwind") end
      end)
      assert.is_false(ok == (i % 2 == 0))
      made = made + 1
    end
    samefds()
  end)

  it("closes what the collector collects", function()
    for i = 1, 20000 * SCALE do
      local k = kinds[i % #kinds + 1]
      assert(lsock.socket(k[1], k[2]))
      made = made + 1
      if i % 500 == 0 then collectgarbage() end
    end
    collectgarbage()
    collectgarbage()
    samefds()
  end)

  it("closes both ends of socketpairs and what accept returns", function()
    for i = 1, 10000 * SCALE do
      local ty = i % 3 == 0 and "dgram" or i % 3 == 1 and "stream"
                 or "seqpacket"
      local a, b = assert(lsock.socketpair("unix", ty))
      a:close()
      if i % 2 == 0 then b:close() end  -- the other half by collection
      made = made + 2
    end
    for _, fam in ipairs { "inet", "unix" } do
      local l, path
      if fam == "inet" then
        l = assert(lsock.socket("inet", "stream"))
        assert(l:bind("127.0.0.1", 0))
      else
        path = os.tmpname()
        os.remove(path)
        l = assert(lsock.socket("unix", "stream"))
        assert(l:bind(path))
      end
      assert(l:listen(128))
      l:settimeout(5)
      local addr = l:getsockname()
      for i = 1, 2500 * SCALE do
        local c = assert(lsock.socket(fam, "stream"))
        assert(c:connect(addr))
        local p = assert(l:accept())
        c:close()
        if i % 2 == 0 then p:close() end
        made = made + 2
      end
      l:close()
      if path then os.remove(path) end
    end
    collectgarbage()
    collectgarbage()
    samefds()
  end)

  it("closes descriptors received with SCM_RIGHTS", function()
    local a, b = assert(lsock.socketpair("unix", "stream"))
    a:settimeout(5)
    b:settimeout(5)
    for i = 1, 5000 * SCALE do
      local s = assert(lsock.socket("inet", "dgram"))
      assert(a:sendfds("x", { s }))
      s:close()
      local data, fds = assert(b:recvfds(1))
      assert.equal("x", data)
      assert.equal(1, #fds)
      if i % 2 == 0 then
        lsock.close(fds[1])
      else
        local w = assert(lsock.fromfd(fds[1]))
        assert.equal("dgram", w:type())
        if i % 4 == 1 then w:close() end  -- else by collection
      end
      made = made + 2
    end
    a:close()
    b:close()
    collectgarbage()
    collectgarbage()
    samefds()
  end)

  it("made 100,000 sockets and Lua's heap is back to its size", function()
    assert.is_true(made >= 100000 * SCALE)
    -- A few KiB of slack: busted itself allocates between the tests.
    local grown = heap() - mem0
    if os.getenv("LSOCK_SOAK_REPORT") then
      local _, n0 = sockets()
      print(("soak: %d sockets, %d socket fds open at the end, heap %+.1f KiB")
            :format(made, n0, grown))
    end
    assert.is_true(grown < 64, ("heap grew by %.1f KiB"):format(grown))
  end)
end)
