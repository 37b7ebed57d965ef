-- Seeded loop chaos: random tasks over wrapped socketpairs that read,
-- write, sleep, raise, cancel or coroutine.close each other, close their
-- socket or its wrapper, unwrap, fork, and drop references for the
-- collector.  After each seed: loop.run() returned by itself (no task
-- left), no task waits, nothing is registered, and the process has the
-- descriptors it had before.  Bounded: a few dozen tasks of a few dozen
-- steps, waits of at most 0.05 s, and a 20 s limit per seed.
-- Usage: lua5.4 bench/fuzz/loop_chaos.lua [seeds [first]]  (the spec
-- spec/loop_chaos_spec.lua and `make fuzz` call it too).
local lsock = require "lsock"
local loop = require "lsock.loop"

local M = {}

-- The process's open descriptors below 1024, as text: poll() tells a
-- closed one (POLLNVAL: EBADF) without opening anything itself.
local EBADF = lsock.errno.EBADF
local function fds()
  local out = {}
  for fd = 0, 1023 do
    local r, _, err = lsock.select({ fd }, nil, 0)
    if r or err ~= EBADF then out[#out + 1] = fd end
  end
  return table.concat(out, " ")
end

-- Errors a task may meet on purpose; anything else is a finding.
local EXPECTED = {
  "chaos: raised on purpose", "attempt to use a closed socket",
  "another task is already", "closed socket",
}
local function expected(msg)
  for _, e in ipairs(EXPECTED) do
    if msg:find(e, 1, true) then return true end
  end
  return false
end

--- One seed: true, or false and what went wrong.
function M.seed(seed)
  math.randomseed(seed)
  local R = math.random
  loop.run()   -- makes the loop's poller, which stays: not a leak
  collectgarbage()
  collectgarbage()
  local before = fds()
  local findings = {}
  local saved = loop.onerror
  loop.onerror = function(msg)
    msg = tostring(msg)
    if not expected(msg) then findings[#findings + 1] = msg end
  end

  -- The sockets: wrapped ends of socketpairs; an entry may be dropped
  -- (set to false) for the collector, or closed.
  local ends = {}
  for i = 1, 8 do
    local a, b = assert(lsock.socketpair())
    ends[#ends + 1] = loop.wrap(a)
    ends[#ends + 1] = loop.wrap(b)
    ends[2 * i - 1]:settimeout(0.02 + R() * 0.03)
    ends[2 * i]:settimeout(0.02 + R() * 0.03)
  end
  local tasks = {}
  local function pick() return ends[R(#ends)] end

  local ops = {
    function(w) w:recv(R(64), R(4) == 1 and "waitall" or nil) end,
    function(w) w:send(("r"):rep(R(4096))) end,
    function(w) w:sendall(("s"):rep(R(1 << 16))) end,
    function() loop.sleep(R() * 0.02) end,
    function() loop.sleep(0) end,
    function() if R(6) == 1 then error("chaos: raised on purpose") end end,
    function()
      local t = tasks[R(#tasks)]
      if t and t ~= coroutine.running() then loop.cancel(t) end
    end,
    function()
      local t = tasks[R(#tasks)]
      if t and t ~= coroutine.running() and coroutine.status(t) == "suspended" then
        coroutine.close(t)
      end
    end,
    function(w) if R(4) == 1 then w.sock:close() end end,
    function(w) if R(4) == 1 then w:close() end end,
    function(w, i)
      if R(3) == 1 then
        local s = w:unwrap()
        ends[i] = loop.wrap(s)
        ends[i]:settimeout(0.03)
      end
    end,
    function(_, i) if R(5) == 1 then ends[i] = false end end,
    function() collectgarbage("step", 10) end,
    function(w)
      if R(8) ~= 1 then return end
      io.stdout:flush()
      local pid = lsock.fork()
      if pid == 0 then
        -- The child only closes things: the parent's tasks go on.
        pcall(w.close, w)
        os.exit(0, false)
      end
      if pid then lsock.wait(pid) end
    end,
    function()
      local w = pick()
      if w then loop.wait(w, R(2) == 1 and "r" or "w", 0.01) end
    end,
  }

  local function body()
    for _ = 1, R(10, 40) do
      local i = R(#ends)
      local w = ends[i]
      if w then
        local op = ops[R(#ops)]
        local ok, err = pcall(op, w, i)
        if not ok and not expected(tostring(err)) then error(err, 0) end
      end
    end
  end
  for _ = 1, R(16, 40) do tasks[#tasks + 1] = loop.spawn(body) end

  local t0 = lsock.monotime()
  local late = false
  loop.run(function()
    if lsock.monotime() - t0 > 20 then late = true end
    return late
  end)
  if late then findings[#findings + 1] = "loop.run() did not return" end
  local st = loop.stats()
  if st.tasks ~= 0 then findings[#findings + 1] = "tasks left: " .. st.tasks end
  if st.waiting ~= 0 then findings[#findings + 1] = "tasks waiting: " .. st.waiting end

  for i, w in ipairs(ends) do
    if w then pcall(w.close, w) end
    ends[i] = nil
  end
  tasks = nil  -- luacheck: ignore tasks
  collectgarbage()
  collectgarbage()
  loop.run()   -- lets the loop forget wrappers collected meanwhile
  collectgarbage()
  collectgarbage()
  st = loop.stats()
  if st.registered ~= 0 then findings[#findings + 1] = "registered: " .. st.registered end
  local after = fds()
  if after ~= before then
    findings[#findings + 1] = "descriptors before: " .. before .. " after: " .. after
  end
  loop.onerror = saved
  if #findings > 0 then
    return false, ("seed %d: %s"):format(seed, table.concat(findings, "\n"))
  end
  return true
end

--- Seeds first .. first + n - 1: true, or false and the first failure.
function M.run(n, first)
  for seed = first or 1, (first or 1) + n - 1 do
    local ok, msg = M.seed(seed)
    if not ok then return false, msg end
  end
  return true
end

if arg and arg[0] and arg[0]:find("loop_chaos%.lua$") then
  local n = math.tointeger(tonumber(arg[1] or "")) or 20
  local first = math.tointeger(tonumber(arg[2] or "")) or 1
  local ok, msg = M.run(n, first)
  if not ok then
    io.stderr:write(msg, "\n")
    os.exit(1)
  end
  print(("loop chaos: %d seeds from %d, all clean"):format(n, first))
end

return M
