--- lsock.loop: a coroutine scheduler over the poller.
-- Spawned functions run as coroutines ("tasks"); a wrapped socket's
-- blocking calls yield to the loop instead of blocking the process, and
-- return exactly what the plain calls return.  One idea: the underlying
-- socket is non-blocking, each call is tried first, and only on EAGAIN
-- does the task register its interest and yield; a descriptor stays
-- registered between waits, so a busy connection costs no epoll_ctl.
-- @usage local loop = lsock.loop; loop.spawn(function() loop.sleep(0.1) end); loop.run()
-- @module lsock.loop
local core = require "lsock.core"
local checktype = require("lsock.util").checktype

local M = {}

local EAGAIN = core.errno.EAGAIN
local EINPROGRESS = core.errno.EINPROGRESS
local ETIMEDOUT = core.errno.ETIMEDOUT
local EBADF = core.errno.EBADF
local now = core.monotime
local MSG_DONTWAIT = core.MSG_DONTWAIT
local create, resume, yield = coroutine.create, coroutine.resume, coroutine.yield
local running, status = coroutine.running, coroutine.status
local traceback = debug.traceback

-- The socket methods, called directly on the underlying socket.
local smeth = core.socketmethods
local s_recv, s_send, s_sendall = smeth.recv, smeth.send, smeth.sendall
local s_recvfrom, s_sendto = smeth.recvfrom, smeth.sendto
local s_accept, s_connect, s_fileno = smeth.accept, smeth.connect, smeth.fileno

local R, W = 1, 2
local NAMES = { "r", "w", "rw" }
local EVR = { r = true, rw = true, h = true, rh = true, wh = true, rwh = true }
local EVW = { w = true, rw = true, h = true, rh = true, wh = true, rwh = true }

-- A unique value that tasks yield when they wait for the loop; any other
-- yield from a task just lets the others run.
local WAIT = {}

local poller          -- created on first use
local ntasks = 0      -- tasks alive
local tasks = setmetatable({}, { __mode = "k" })  -- the tasks alive
local nwaiting = 0    -- tasks waiting for I/O (not sleepers, not suspended)
local isrunning = false
local current          -- the task the loop is running now

-- Per waited-on object: {obj=, want=, rco=, wco=}; want is what the
-- poller has, rco/wco the tasks waiting to read/write.  Strong keys (a
-- weak table costs the collector a pass over it at every cycle): entries
-- go when a wrapper closes or the poller stops watching, and sweeprecs
-- drops those of sockets closed behind the loop's back.
local recs = {}
local nrecs, recadds, sweepat = 0, 0, 64

-- The ready queue: tasks to resume, with the value to resume them with.
local qco, qval, qhead, qtail = {}, {}, 1, 0

-- Timers: a binary heap of (deadline, task); a task's current deadline is
-- in tdl, and a heap entry whose task no longer waits for it is skipped.
local hdl, hco, hn = {}, {}, 0
local tdl = setmetatable({}, { __mode = "k" })
local theap = setmetatable({}, { __mode = "k" })  -- earliest entry per task
local waitrec = setmetatable({}, { __mode = "k" }) -- task -> rec, dir

-- Sockets whose wrapper was collected: unregistered at the next round.
local forgetq = {}

--- Called with the message (and traceback) of a task that raised, and
-- the task.  Replace it to log elsewhere; the default writes to stderr.
-- @tparam string msg the error message with its traceback
-- @tparam thread co the task that raised
-- @treturn nil (its result is ignored)
-- @usage loop.onerror = function(msg) log:write(msg, "\n") end
function M.onerror(msg, co)
  io.stderr:write("lsock.loop: task ", tostring(co), " failed: ",
    tostring(msg), "\n")
end

local function getpoller()
  if not poller then poller = assert(core.poller()) end
  return poller
end

local function enqueue(co, v)
  qtail = qtail + 1
  qco[qtail], qval[qtail] = co, v
end

local function hpush(d, co)
  hn = hn + 1
  local i = hn
  while i > 1 do
    local p = i // 2
    if hdl[p] <= d then break end
    hdl[i], hco[i] = hdl[p], hco[p]
    i = p
  end
  hdl[i], hco[i] = d, co
end

local function hpop()
  local d, co = hdl[1], hco[1]
  local ld, lco = hdl[hn], hco[hn]
  hdl[hn], hco[hn] = nil, nil
  hn = hn - 1
  if hn > 0 then
    local i = 1
    while true do
      local c = 2 * i
      if c > hn then break end
      if c < hn and hdl[c + 1] < hdl[c] then c = c + 1 end
      if ld <= hdl[c] then break end
      hdl[i], hco[i] = hdl[c], hco[c]
      i = c
    end
    hdl[i], hco[i] = ld, lco
  end
  return d, co
end

-- Arm the task's timer for deadline d (a heap entry is pushed only when
-- none is due earlier, so a task that keeps waiting adds no entries).
local function settimer(co, d)
  tdl[co] = d
  local e = theap[co]
  if not e or e > d then
    hpush(d, co)
    theap[co] = d
  end
end

-- After a resume that did not end in a wait of the loop.
local function aftertask(co, ok, tag)
  if not ok then
    M.onerror(traceback(co, tostring(tag)), co)
  elseif status(co) == "suspended" then
    enqueue(co, true)  -- a plain yield: run again after the others
  end
end

local function resumetask(co, v)
  current = co
  local ok, tag = resume(co, v)
  current = nil
  if tag ~= WAIT then aftertask(co, ok, tag) end
end

local function isopen(s)
  return (pcall(s_fileno, s))
end

local SOCKMT = core._socketmt

-- Has obj (anything the poller takes) been closed?
local function isclosed(obj)
  if getmetatable(obj) == SOCKMT then return not isopen(obj) end
  return io.type(obj) == "closed file"
end

local function droprec(obj)
  recs[obj] = nil
  nrecs = nrecs - 1
end

-- Once the records made since the last sweep are as many as the records
-- it left (and at least 64): constant cost per record.
local function sweeprecs()
  recadds = 0
  for obj, rec in pairs(recs) do
    if isclosed(obj) and not rec.rco and not rec.wco then droprec(obj) end
  end
  sweepat = nrecs > 64 and nrecs or 64
end

local function wakeclosed(co)
  tdl[co], waitrec[co] = nil, nil
  enqueue(co, nil)
end

-- Unregister the socket s; with 'wake', its waiters are woken and told
-- it was closed, without it, a socket somebody waits on stays.
local function forget(s, wake)
  local rec = recs[s]
  if not rec or (not wake and (rec.rco or rec.wco)) then return end
  droprec(s)
  if rec.want ~= 0 then poller:remove(s) end
  if rec.rco then wakeclosed(rec.rco) end
  if rec.wco then wakeclosed(rec.wco) end
  rec.rco, rec.wco, rec.want = nil, nil, 0
end

-- The calling task, or nil (the main program, or a coroutine of its own
-- inside a task: those block instead of yielding to the loop).
local function intask()
  local co = running()
  return co == current and co or nil
end

-- Wait until obj is ready for dir (R or W) or the deadline (nil: none);
-- co is the calling task if the caller knows it.  Returns true, or nil,
-- msg, errno (timeout, or the socket was closed).
local function waitio(obj, dir, deadline, co)
  co = co or intask()
  if not co then
    -- Outside the loop: block this process, as the plain call would.
    local left = deadline and deadline - now()
    if left and left <= 0 then return nil, "timeout", ETIMEDOUT end
    local r, w, err = core.select(dir == R and { obj } or nil,
      dir == W and { obj } or nil, left)
    if not r then return nil, w, err end
    if #r + #w == 0 then return nil, "timeout", ETIMEDOUT end
    return true
  end
  local rec = recs[obj]
  if not rec then
    rec = { obj = obj, want = 0 }
    recs[obj] = rec
    nrecs, recadds = nrecs + 1, recadds + 1
    if recadds >= sweepat then sweeprecs() end
  end
  if dir == R then
    if rec.rco then error("another task is already reading from this socket", 3) end
    rec.rco = co
  else
    if rec.wco then error("another task is already writing to this socket", 3) end
    rec.wco = co
  end
  local want = rec.want | dir
  if want ~= rec.want then
    local ok, msg, err
    if rec.want == 0 then
      ok, msg, err = getpoller():add(obj, NAMES[want], rec)
    else
      ok, msg, err = poller:modify(obj, NAMES[want])
    end
    if not ok then
      if dir == R then rec.rco = nil else rec.wco = nil end
      if rec.want == 0 then droprec(obj) end
      -- epoll refuses regular files: they are always ready.
      if err == core.errno.EPERM then return true end
      return nil, msg, err
    end
    rec.want = want
  end
  -- (The timer's bookkeeping only for timed waits: most waits have none.)
  if deadline then
    settimer(co, deadline)
    waitrec[co] = rec
  end
  nwaiting = nwaiting + 1
  local v = yield(WAIT)
  nwaiting = nwaiting - 1
  if deadline then
    waitrec[co] = nil
    tdl[co] = nil
  end
  if v then return true end
  if v == false then return nil, "timeout", ETIMEDOUT end
  return nil, core.strerror(EBADF), EBADF
end

--- Wait, inside a task, until `obj` (anything `lsock.select` accepts) is
-- ready; outside a task, block the process as `lsock.select` would.
-- @tparam any obj socket, file, descriptor or object with `fileno`
-- @tparam string events `"r"` or `"w"`
-- @tparam[opt] number timeout seconds (nil: no limit)
-- @return `true`, or `nil, "timeout", ETIMEDOUT`
-- @usage assert(loop.wait(sock, "r", 5))
function M.wait(obj, events, timeout)
  local dir = events == "r" and R or events == "w" and W
  if not dir then error("bad argument #2 to 'wait' (\"r\" or \"w\" expected)", 2) end
  -- A wrapped socket waits as its methods do: on the socket itself, so
  -- that both share one registration.
  local mt = getmetatable(obj)
  if mt and mt.__name == "lsock.loop.socket" then obj = obj.sock end
  return waitio(obj, dir, timeout and timeout >= 0 and now() + timeout or nil)
end

--- Pause the calling task for `seconds` (the process, outside a task).
-- @tparam number seconds how long; 0 or less just lets the other tasks run
-- @treturn boolean true
-- @usage loop.spawn(function() loop.sleep(1); print("a second later") end)
function M.sleep(seconds)
  checktype(seconds, "number", 1, "sleep")
  local co = intask()
  if not co then return core.sleep(seconds) end
  if seconds <= 0 then
    enqueue(co, true)
  else
    settimer(co, now() + seconds)
  end
  yield(WAIT)
  tdl[co] = nil
  return true
end

--- Start `fn(...)` as a task; it runs when the loop runs.  An error in it
-- is reported with its traceback to `loop.onerror` and ends only that task.
-- @tparam function fn the task's body
-- @param ... the arguments passed to `fn`
-- @treturn thread the task
-- @usage loop.spawn(handle, conn, peer)
function M.spawn(fn, ...)
  checktype(fn, "function", 1, "spawn")
  local args, n = { ... }, select("#", ...)
  local co
  co = create(function()
    local ok, err = xpcall(fn, traceback, table.unpack(args, 1, n))
    tasks[co] = nil
    ntasks = ntasks - 1
    if not ok then M.onerror(err, co) end
  end)
  ntasks = ntasks + 1
  tasks[co] = true
  enqueue(co, true)
  return co
end

--- Suspend the calling task until `loop.wakeup(task, ...)`; returns what
-- `wakeup` passed.  For conditions other than I/O and time.
-- @return the value given to `loop.wakeup` (true when it gave none)
-- @usage local v = loop.suspend()  -- until loop.wakeup(task, v)
function M.suspend()
  local co = intask()
  if not co then error("loop.suspend: not inside a task", 2) end
  return yield(WAIT)
end

--- Make a task in `loop.suspend()` go on, with `v` as suspend's result.
-- @tparam thread co the suspended task (from `loop.spawn`)
-- @param[opt] v what `suspend` returns (default true)
-- @treturn nil
-- @usage loop.wakeup(task, "ready")
function M.wakeup(co, v)
  if v == nil then v = true end
  enqueue(co, v)
end

-- Asks the poller for what the waiters of obj still need (nothing:
-- forget obj).
local function trim(p, obj, rec)
  local need = (rec.rco and R or 0) | (rec.wco and W or 0)
  if need ~= rec.want then
    if need == 0 then
      p:remove(obj)
      droprec(obj)
    else
      p:modify(obj, NAMES[need])
    end
    rec.want = need
  end
end

--- End a task that is not running: it is never resumed again, the
-- to-be-closed variables of its pending calls are closed
-- (`coroutine.close`) and the loop forgets its timer and its waits.
-- Returns true, or false for a task that is not suspended (dead, or the
-- caller itself) or not a task of the loop.
-- @tparam thread co the task (what `spawn` returned)
-- @treturn boolean true, or false when there was nothing to cancel
-- @usage local t = loop.spawn(worker); ...; loop.cancel(t)
function M.cancel(co)
  checktype(co, "thread", 1, "cancel")
  if status(co) ~= "suspended" or not tasks[co] then return false end
  tasks[co] = nil
  -- Suspended in waitio: it counts as waiting until it runs again.
  local info = debug.getinfo(co, 1, "f")
  if info and info.func == waitio then nwaiting = nwaiting - 1 end
  tdl[co], waitrec[co] = nil, nil
  for obj, rec in pairs(recs) do
    if rec.rco == co or rec.wco == co then
      if rec.rco == co then rec.rco = nil end
      if rec.wco == co then rec.wco = nil end
      trim(poller, obj, rec)
    end
  end
  ntasks = ntasks - 1
  local ok, err = coroutine.close(co)
  if not ok then M.onerror(traceback(tostring(err)), co) end
  return true
end

--- Whether the caller is a task of the loop.
-- @treturn boolean
-- @usage assert(loop.intask(), "call me from a task")
function M.intask()
  return intask() and true or false
end

--- The loop's clock: seconds that never jump (lsock.monotime).
-- @function now
-- @treturn number
-- @usage local t0 = loop.now()
M.now = now

local function timers()
  local t = now()
  while hn > 0 and hdl[1] <= t do
    local d, co = hpop()
    if theap[co] == d then theap[co] = nil end
    local want = tdl[co]
    if want then
      if want <= t then
        tdl[co] = nil
        local rec = waitrec[co]
        if rec then
          if rec.rco == co then rec.rco = nil end
          if rec.wco == co then rec.wco = nil end
          resumetask(co, false)
        else
          resumetask(co, true)  -- a sleep is over
        end
      elseif not theap[co] or theap[co] > want then
        hpush(want, co)
        theap[co] = want
      end
    end
  end
end

local function round(timeout)
  local p = getpoller()
  local iter, state = p:wait(timeout)
  if not iter then error("lsock.loop: poller failed: " .. tostring(state)) end
  for obj, ev, rec in iter, state do
    local co = rec.rco
    if co and EVR[ev] then
      rec.rco = nil
      current = co                      -- resumetask, inlined: the hot path
      local ok, tag = resume(co, true)
      current = nil
      if tag ~= WAIT then aftertask(co, ok, tag) end
    end
    co = rec.wco
    if co and EVW[ev] then
      rec.wco = nil
      resumetask(co, true)
    end
    -- Nobody waits for what was reported: stop asking, or epoll (level
    -- triggered) would report it again at once.
    if recs[obj] == rec then trim(p, obj, rec) end
  end
end

local function mainloop(until_fn)
  while true do
    -- Tasks made ready before this round (those they wake wait a round).
    local last = qtail
    while qhead <= last do
      local co, v = qco[qhead], qval[qhead]
      qco[qhead], qval[qhead] = nil, nil
      qhead = qhead + 1
      if status(co) == "suspended" then resumetask(co, v) end
    end
    if #forgetq > 0 then
      local q = forgetq
      forgetq = {}
      for i = 1, #q do
        if isopen(q[i]) then forget(q[i], false) end
      end
    end
    if until_fn and until_fn() then return end
    if ntasks == 0 then return end
    local timeout
    if qhead <= qtail then
      timeout = 0
    elseif hn > 0 then
      timeout = hdl[1] - now()
      if timeout < 0 then timeout = 0 end
    elseif nwaiting == 0 then
      return  -- every task waits for something that cannot happen
    end
    round(timeout)
    if hn > 0 then timers() end
  end
end

--- Run the tasks until none is left, or until `until_fn()` returns true
-- (checked after every round of events).
-- @tparam[opt] function until_fn
-- @treturn boolean true
-- @usage loop.spawn(main); loop.run()
function M.run(until_fn)
  checktype(until_fn, "function|nil", 1, "run")
  if isrunning then error("lsock.loop.run: the loop is already running", 2) end
  -- The poller first: once the tasks run, descriptors may run out.
  getpoller()
  isrunning = true
  local ok, err = pcall(mainloop, until_fn)
  isrunning = false
  if not ok then error(err, 0) end
  return true
end


-- Wrapped sockets --------------------------------------------------------

local Wrapped = {}

local function deadline(self)
  local t = self.timeout
  return t and now() + t or nil
end

-- Every socket method that is not redefined below is passed through.
local Fwd = setmetatable({}, {
  __index = function(t, k)
    if smeth[k] == nil then return nil end
    local f = function(self, ...)
      local s = self.sock
      return s[k](s, ...)
    end
    t[k] = f
    return f
  end,
})
Wrapped.__index = setmetatable({}, { __index = Fwd })
local WM = Wrapped.__index

local function wrapraw(sock, timeout)
  return setmetatable({ sock = sock, timeout = timeout }, Wrapped)
end

--- A socket whose `accept`, `connect`, `recv`, `send`, `sendall`,
-- `recvfrom` and `sendto` yield to the loop inside a task (and block
-- outside one), honour the socket's timeout (`settimeout` on the wrapper)
-- and return what the plain calls return.  `accept` returns wrapped
-- sockets.  The underlying socket becomes non-blocking; `unwrap()` gives
-- it back with its timeout.  Other methods pass through.
-- @param sock an lsock socket
-- @return the wrapped socket
-- @usage local c = loop.wrap(conn); local line = c:recv(1024)  -- yields
function M.wrap(sock)
  checktype(sock, "lsock.socket|lsock.loop.socket", 1, "wrap")
  if getmetatable(sock) == Wrapped then return sock end
  local t = sock:gettimeout()
  if t ~= 0 then sock:settimeout(0) end
  return wrapraw(sock, t)
end

function WM:unwrap()
  local s = self.sock
  forget(s, true)
  s:settimeout(self.timeout)
  return s
end

function WM:settimeout(t)
  if t ~= nil then
    if type(t) ~= "number" or t ~= t then
      error("bad argument #1 to 'settimeout' (number or nil expected)", 2)
    end
    if t < 0 or t == math.huge then t = nil end
  end
  s_fileno(self.sock)  -- raises on a closed socket
  self.timeout = t
  return true
end

function WM:gettimeout()
  s_fileno(self.sock)
  return self.timeout
end

function WM:setblocking(on)
  return self:settimeout(not on and 0 or nil)
end

function WM:close()
  local s = self.sock
  if isopen(s) then forget(s, true) end
  return s:close()
end

function WM:detach()
  forget(self.sock, true)
  return self.sock:detach()
end

Wrapped.__close = function(self) self:close() end
-- A wrapper dropped without close: its socket is unregistered at the next
-- round (not here: a finalizer may run in the middle of the poller's loop).
Wrapped.__gc = function(self)
  local s = self.sock
  if recs[s] and isopen(s) then forgetq[#forgetq + 1] = s end
end
Wrapped.__tostring = function(self) return tostring(self.sock) end
Wrapped.__name = "lsock.loop.socket"

-- Whether a call's flags (a number or a string of names) say "dontwait":
-- such a call returns EAGAIN at once, as the plain call does.
local function dontwait(flags)
  if math.type(flags) == "integer" then return flags & MSG_DONTWAIT ~= 0 end
  return type(flags) == "string" and flags:find("dontwait", 1, true) ~= nil
end

-- When the last recv got less than it asked for, the socket was drained:
-- in a task, the next recv waits for readiness before trying, which
-- saves the system call that would only say EAGAIN (the poller is level
-- triggered, so data already there is reported at once).
function WM:recv(n, flags)
  local s = self.sock
  local d, msg, err, co
  local nowait = self.timeout == 0 or dontwait(flags)
  if self.drained and not nowait then co = intask() end
  if not co then
    d, msg, err = s_recv(s, n, flags)
    if d or err ~= EAGAIN or nowait then
      self.drained = d and #d < n
      if d then return d end
      return nil, msg, err
    end
  end
  local dl = deadline(self)
  repeat
    d, msg, err = waitio(s, R, dl, co)
    if not d then
      self.drained = false
      return nil, msg, err
    end
    d, msg, err = s_recv(s, n, flags)
  until d or err ~= EAGAIN
  self.drained = d and #d < n
  if d then return d end
  return nil, msg, err
end

function WM:recvfrom(n, flags)
  local s = self.sock
  local d, a, err = s_recvfrom(s, n, flags)
  if d then return d, a end
  if err ~= EAGAIN or self.timeout == 0 or dontwait(flags) then
    return nil, a, err
  end
  local dl = deadline(self)
  repeat
    d, a, err = waitio(s, R, dl)
    if not d then return nil, a, err end
    d, a, err = s_recvfrom(s, n, flags)
  until d or err ~= EAGAIN
  if d then return d, a end
  return nil, a, err
end

function WM:send(data, flags, i, j)
  local s = self.sock
  local n, msg, err = s_send(s, data, flags, i, j)
  if n then return n end
  if err ~= EAGAIN or self.timeout == 0 or dontwait(flags) then
    return nil, msg, err
  end
  local dl = deadline(self)
  repeat
    n, msg, err = waitio(s, W, dl)
    if not n then return nil, msg, err end
    n, msg, err = s_send(s, data, flags, i, j)
  until n or err ~= EAGAIN
  if n then return n end
  return nil, msg, err
end

function WM:sendto(data, ...)
  local s = self.sock
  local n, msg, err = s_sendto(s, data, ...)
  if n then return n end
  if err ~= EAGAIN or self.timeout == 0 then return nil, msg, err end
  local dl = deadline(self)
  repeat
    n, msg, err = waitio(s, W, dl)
    if not n then return nil, msg, err end
    n, msg, err = s_sendto(s, data, ...)
  until n or err ~= EAGAIN
  if n then return n end
  return nil, msg, err
end

function WM:sendall(data, i, j)
  local s = self.sock
  local n, msg, err, sent = s_sendall(s, data, i, j)
  if n then return n end
  if err ~= EAGAIN or self.timeout == 0 then return nil, msg, err, sent end
  -- The range as string.sub reads it, to go on from where send stopped.
  local len = #data
  i, j = i or 1, j or -1
  if i < 0 then i = i < -len and 1 or len + i + 1 elseif i == 0 then i = 1 end
  if j < 0 then j = j < -len and 0 or len + j + 1 elseif j > len then j = len end
  local total, dl = sent, deadline(self)
  while true do
    local ok
    ok, msg, err = waitio(s, W, dl)
    if not ok then return nil, msg, err, total end
    n, msg, err, sent = s_sendall(s, data, i + total, j)
    if n then return total + n end
    total = total + sent
    if err ~= EAGAIN then return nil, msg, err, total end
  end
end

function WM:accept()
  local s = self.sock
  local c, a, err = s_accept(s)
  if not c and err == EAGAIN and self.timeout ~= 0 then
    local dl = deadline(self)
    repeat
      c, a, err = waitio(s, R, dl)
      if not c then return nil, a, err end
      c, a, err = s_accept(s)
    until c or err ~= EAGAIN
  end
  if not c then return nil, a, err end
  -- Accepted sockets are non-blocking already (the listener is) and
  -- inherit the listener's timeout, as plain accept does.
  return wrapraw(c, self.timeout), a
end

function WM:connect(...)
  local s = self.sock
  local ok, msg, err = s_connect(s, ...)
  if ok or self.timeout == 0 or (err ~= EINPROGRESS and err ~= EAGAIN) then
    return ok, msg, err
  end
  local dl = deadline(self)
  -- A unix listener with a full backlog says EAGAIN, and poll cannot
  -- tell when room appears: try again every few milliseconds.
  while err == EAGAIN do
    if dl and now() >= dl then return nil, "timeout", ETIMEDOUT end
    M.sleep(0.005)
    ok, msg, err = s_connect(s, ...)
    if ok then return ok end
    if err ~= EAGAIN and err ~= EINPROGRESS then return ok, msg, err end
  end
  ok, msg, err = waitio(s, W, dl)
  if not ok then return nil, msg, err end
  err = s:getsockopt("socket", "error")
  if err == 0 then return true end
  return nil, core.strerror(err), err
end

return M
