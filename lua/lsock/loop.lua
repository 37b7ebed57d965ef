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

local wait = require "lsock.waitfor"

local EAGAIN = core.errno.EAGAIN
local ETIMEDOUT = core.errno.ETIMEDOUT
local EBADF = core.errno.EBADF
local now = core.monotime
local MSG_DONTWAIT = core.MSG_DONTWAIT
local create, resume, yield = coroutine.create, coroutine.resume, coroutine.yield
local running, status = coroutine.running, coroutine.status
local traceback = debug.traceback
local unpack, pack = table.unpack, table.pack

-- The socket methods, called directly on the underlying socket.
local smeth = core.socketmethods
local s_recv, s_sendall = smeth.recv, smeth.sendall
local s_accept, s_connect, s_fileno = smeth.accept, smeth.connect, smeth.fileno
local s_close, s_detach, s_sendfile = smeth.close, smeth.detach, smeth.sendfile
local s_recvmsg = smeth.recvmsg

local R, W = wait.R, wait.W
local NAMES = { "r", "w", "rw" }

-- A unique value that tasks yield when they wait for the loop; any other
-- yield from a task just lets the others run.
local WAIT = {}

local poller          -- created on first use
local ntasks = 0      -- tasks alive
local ntimers = 0     -- timers of after/every not yet fired or cancelled
-- The tasks alive -> their state: {co, w = the record of the I/O wait it
-- is in (or the array of records of a wait on several objects)}.  The
-- waiter sets and clears w; whoever ends the task (cancel,
-- coroutine.close, its end) takes its registrations.  (A plain table per
-- task: a weak table written at every wait would cost the collector.)
local tasks = setmetatable({}, { __mode = "k" })
local nwaiting = 0    -- tasks waiting for I/O (not sleepers, not suspended)
local isrunning = false
-- The table lsock.core._dispatch (the round's C side) works with: the
-- task the loop is running now is its slot CUR (dispatch sets it around
-- the resumes it makes, resumetask around the others); the other slots
-- are filled once the functions they name exist.
local D = { false, false, false, false, false, false, false, false, false }
local CUR = 5

-- Per waited-on object: {[R]=, [W]=, obj=, want=}; want is what the
-- poller has, [R] and [W] the tasks waiting to read and to write (false
-- or nil: none; indexed by direction, so a wait for dir is rec[dir]).  Strong keys (a
-- weak table costs the collector a pass over it at every cycle): entries
-- go when a socket or wrapper closes (the loop interposes socket:close)
-- or the poller stops watching, and sweeprecs drops those of objects
-- closed another way.
local recs = {}
local nrecs, recadds, sweepat = 0, 0, 64

-- The ready queue: tasks to resume, with the value to resume them with.
local qco, qval, qhead, qtail = {}, {}, 1, 0

-- Timers: a binary heap of (deadline, task); a task's current deadline is
-- in tdl, and a heap entry whose task no longer waits for it is skipped.
local hdl, hco, hn = {}, {}, 0
local tdl = setmetatable({}, { __mode = "k" })
local theap = setmetatable({}, { __mode = "k" })  -- earliest entry per task

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
  D[CUR] = co
  local ok, tag = resume(co, v)
  D[CUR] = nil
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
  if recs[obj] == nil then return end   -- a sweep took it already
  recs[obj] = nil
  nrecs = nrecs - 1
end

-- Once the records made since the last sweep are as many as the records
-- it left (and at least 64): constant cost per record.
local function sweeprecs()
  recadds = 0
  for obj, rec in pairs(recs) do
    if isclosed(obj) and not rec[R] and not rec[W] then droprec(obj) end
  end
  sweepat = nrecs > 64 and nrecs or 64
end

-- Asks the poller for what the waiters of obj still need (nothing:
-- forget obj).
local function trim(obj, rec)
  local need = (rec[R] and R or 0) | (rec[W] and W or 0)
  if need ~= rec.want then
    if need == 0 then
      poller:remove(obj)
      droprec(obj)
    else
      poller:modify(obj, NAMES[need])
    end
    rec.want = need
  end
end

-- Unregister obj; with 'wake', its waiters are woken and told it was
-- closed (EBADF), without it, an object somebody waits on stays.
local function forget(obj, wake)
  local rec = recs[obj]
  if not rec or (not wake and (rec[R] or rec[W])) then return end
  droprec(obj)
  if rec.want ~= 0 then poller:remove(obj) end
  local r, w = rec[R], rec[W]
  rec[R], rec[W], rec.want = nil, nil, 0
  if r then tdl[r] = nil; enqueue(r, nil) end
  if w and w ~= r then tdl[w] = nil; enqueue(w, nil) end
end

-- Waiters of objects closed behind the loop's back (a <close> variable,
-- a raw close of the descriptor): woken with EBADF.  Asked when the
-- poller is idle, so it costs the busy loop nothing.
local function sweepwaiters()
  for obj, rec in pairs(recs) do
    if (rec[R] or rec[W]) and isclosed(obj) then forget(obj, true) end
  end
end

-- The calling task, or nil (the main program, or a coroutine of its own
-- inside a task: those block instead of yielding to the loop).
local function intask()
  local co = running()
  return co == D[CUR] and co or nil
end

-- Register task co as the reader (dir R) or writer (W) of obj: its
-- record, true for an object the poller refuses because it is always
-- ready (a regular file), or nil, msg, errno.
local function register(obj, dir, co)
  local rec = recs[obj]
  if not rec then
    recadds = recadds + 1
    if recadds >= sweepat then sweeprecs() end   -- before: not this one
    rec = { false, false, obj = obj, want = 0 }
    recs[obj] = rec
    nrecs = nrecs + 1
  end
  if dir == R then
    if rec[R] and rec[R] ~= co then
      error("another task is already reading from this socket", 0)
    end
    rec[R] = co
  else
    if rec[W] and rec[W] ~= co then
      error("another task is already writing to this socket", 0)
    end
    rec[W] = co
  end
  local want = rec.want | dir
  if want ~= rec.want then
    local ok, msg, err
    if rec.want == 0 then
      -- add raises for a closed object: then the record must go too.
      local p = getpoller()
      local fine
      fine, ok, msg, err = pcall(p.add, p, obj, NAMES[want], rec)
      if not fine then
        if dir == R then rec[R] = nil else rec[W] = nil end
        droprec(obj)
        error(ok, 0)
      end
    else
      ok, msg, err = poller:modify(obj, NAMES[want])
    end
    if not ok then
      if dir == R then rec[R] = nil else rec[W] = nil end
      if rec.want == 0 then droprec(obj) end
      -- epoll refuses regular files: they are always ready.
      if err == core.errno.EPERM then return true end
      return nil, msg, err
    end
    rec.want = want
  end
  return rec
end

local function unregister(rec, co)
  if rec[R] == co then rec[R] = nil end
  if rec[W] == co then rec[W] = nil end
end

-- The task co waits (yields) for what it registered; the result of the
-- wait: the object that woke it, false on timeout, nil when closed.
local function park(co, w, deadline)
  local t = tasks[co]
  t.w = w
  if deadline then settimer(co, deadline) end
  nwaiting = nwaiting + 1
  local v = yield(WAIT)
  nwaiting = nwaiting - 1
  t.w = nil
  if deadline then tdl[co] = nil end
  return v
end

local function result(v)
  if v then return v end
  if v == false then return nil, "timeout", ETIMEDOUT end
  return nil, core.strerror(EBADF), EBADF
end

-- Wait, in task co, until obj is ready for dir (R or W) or the deadline
-- (nil: none).  Returns true, or nil, msg, errno (timeout, or closed).
local function taskwait(obj, dir, deadline, co)
  local rec = recs[obj]
  -- The hot path (registered for dir already, nobody else waiting) is
  -- inlined; register handles the rest.
  if rec and rec.want & dir ~= 0 and not rec[dir] then
    rec[dir] = co
  else
    local msg, err
    rec, msg, err = register(obj, dir, co)
    if rec == true then return true end
    if not rec then return nil, msg, err end
  end
  local t = tasks[co]
  t.w = rec
  if deadline then settimer(co, deadline) end
  nwaiting = nwaiting + 1
  local v = yield(WAIT)
  nwaiting = nwaiting - 1
  t.w = nil
  if deadline then tdl[co] = nil end
  -- (Woken by its event: the loop took it off the record already.)
  if rec[dir] == co then rec[dir] = nil end
  if v then return true end
  return result(v)
end

-- The same for several objects: the one that became ready first.
local function taskwaitany(objs, dir, deadline, co)
  local list = {}
  for i = 1, #objs do
    local ok, rec, msg, err = pcall(register, objs[i], dir, co)
    if not ok or not rec then
      for j = 1, #list do unregister(list[j], co) end
      if not ok then error(rec, 0) end
      return nil, msg, err
    end
    if rec == true then
      for j = 1, #list do unregister(list[j], co) end
      return objs[i]
    end
    list[#list + 1] = rec
  end
  local v = park(co, list, deadline)
  for j = 1, #list do unregister(list[j], co) end
  return result(v)
end

wait.install(intask, taskwait, taskwaitany)

-- Wait until obj is ready for dir or the deadline, in whatever way the
-- caller can: inside a task by yielding, outside by blocking.
local function waitio(obj, dir, deadline)
  local co = intask()
  if co then return taskwait(obj, dir, deadline, co) end
  return wait.ready(obj, dir, deadline)
end

-- A task ends (returns, raises, is cancelled or closed with
-- coroutine.close): the loop forgets it at once, its timer and its
-- registrations with it.
local function finish(co)
  local t = tasks[co]
  if not t then return end
  tasks[co] = nil
  ntasks = ntasks - 1
  tdl[co] = nil
  local w = t.w
  if w then
    t.w = nil
    nwaiting = nwaiting - 1
    if w.obj then w = { w } end
    for i = 1, #w do
      local rec = w[i]
      unregister(rec, co)
      if recs[rec.obj] == rec then trim(rec.obj, rec) end
    end
  end
end

-- Closed with the task, whichever way it ends (to-be-closed variables
-- are closed by coroutine.close too).
local GUARD = { __close = function(t) finish(t[1]) end }

-- A forked child shares the parent's epoll instance: what it registers
-- or removes there would change the parent's.  The child gets a poller
-- of its own, with the same registrations.
local function renewpoller()
  local old = poller
  poller = assert(core.poller())
  old:close()   -- only the child's descriptor: the parent's stays intact
  for obj, rec in pairs(recs) do
    if rec.want ~= 0 then
      local ok, added = pcall(poller.add, poller, obj, NAMES[rec.want], rec)
      if not (ok and added) then
        rec.want = 0
        forget(obj, true)
      end
    end
  end
end

local c_fork = core.fork
local function fork(...)
  local pid, msg, err = c_fork(...)
  if pid == 0 and poller then renewpoller() end
  return pid, msg, err
end
core.fork = fork
if package.loaded.lsock then package.loaded.lsock.fork = fork end

-- socket:close() and socket:detach(), interposed: a socket the loop
-- watches is unregistered first, and its waiters are woken with EBADF.
-- Misuse raises here, at the caller, as the C methods do (a C function
-- called from this Lua function would name this file as the place).
local function selfcheck(s, name, open)
  if getmetatable(s) ~= SOCKMT then
    local mt = getmetatable(s)
    local tn = type(mt) == "table" and type(mt.__name) == "string"
               and mt.__name or type(s)
    error(("bad argument #1 to '%s' (lsock.socket expected, got %s)")
          :format(name, tn), 3)
  end
  if open and not isopen(s) then
    error(("calling '%s' on bad self (attempt to use a closed socket)")
          :format(name), 3)
  end
end
smeth.close = function(s, ...)
  if recs[s] then forget(s, true) else selfcheck(s, "close") end
  return s_close(s, ...)
end
smeth.detach = function(s, ...)
  if recs[s] then forget(s, true) else selfcheck(s, "detach", true) end
  return s_detach(s, ...)
end

-- The object loop.wait and the wrappers register: a wrapped socket's own
-- socket (so that both share one registration), a stream's socket.
local function target(obj)
  local mt = getmetatable(obj)
  local name = type(mt) == "table" and mt.__name
  if name == "lsock.stream" then
    obj = obj:socket()
    mt = getmetatable(obj)
    name = type(mt) == "table" and mt.__name
  end
  if name == "lsock.loop.socket" then obj = obj.sock end
  return obj
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
  checktype(timeout, "number|nil", 3, "wait")
  if timeout ~= timeout then
    error("bad argument #3 to 'wait' (timeout must not be NaN)", 2)
  end
  -- A stream's buffered bytes are ready now: its socket will not say so.
  if dir == R and getmetatable(obj) and obj.dirty and obj:dirty() then
    return true
  end
  return waitio(target(obj), dir, wait.deadline(timeout))
end

--- Pause the calling task for `seconds` (the process, outside a task).
-- @tparam number seconds how long; 0 or less just lets the other tasks run
-- @treturn boolean true
-- @usage loop.spawn(function() loop.sleep(1); print("a second later") end)
function M.sleep(seconds)
  checktype(seconds, "number", 1, "sleep")
  local co = intask()
  if not co then return core.sleep(seconds) end
  if seconds ~= seconds then
    error("bad argument #1 to 'sleep' (seconds must not be NaN)", 2)
  end
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
  local co, state
  co = create(function()
    local guard <close> = state -- luacheck: ignore guard
    local ok, err = xpcall(fn, traceback, table.unpack(args, 1, n))
    finish(co)
    if not ok then M.onerror(err, co) end
  end)
  ntasks = ntasks + 1
  state = setmetatable({ co }, GUARD)
  tasks[co] = state
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
  finish(co)
  local ok, err = coroutine.close(co)
  if not ok then M.onerror(traceback(tostring(err)), co) end
  return true
end

---------------------------------------------------------------- names

-- Lookups in flight (csrc/gaipool.c runs them on worker threads): the
-- lookup -> the task waiting for it.  One watcher task waits on the
-- pool's eventfd while any is in flight and hands each finished lookup
-- to its task.
local lookups, nlookups = {}, 0
local watcher
local c_getaddrinfo, c_getnameinfo = core._getaddrinfo, core._getnameinfo

local function watch()
  while nlookups > 0 do
    -- Asked every time: a forked child gets a new eventfd (and workers
    -- for the lookups it inherited).  No eventfd (EMFILE): look again soon.
    local fd = core._lookupfd()
    if fd then taskwait(fd, R, nil, watcher) else M.sleep(0.05) end
    core._lookupdrain()
    for job, co in pairs(lookups) do
      if job:done() then
        lookups[job] = nil
        nlookups = nlookups - 1
        enqueue(co, job)
      end
    end
  end
  watcher = nil
end

-- A waiting task that ends (cancelled, closed) takes its lookup with it;
-- the last one ends the watcher's wait.
local LOOKUPGUARD = {
  __close = function(g)
    local job = g[1]
    if lookups[job] then
      lookups[job] = nil
      nlookups = nlookups - 1
      if nlookups == 0 and watcher then
        local fd = core._lookupfd()
        if fd then forget(fd, true) end
      end
    end
    job:cancel()
  end,
}

local function lookup(co, job, msg, err)
  if not job then return nil, msg, err end   -- refused at once
  local guard <close> = setmetatable({ job }, LOOKUPGUARD) -- luacheck: ignore guard
  lookups[job] = co
  nlookups = nlookups + 1
  if not watcher then watcher = M.spawn(watch) end
  repeat
    local v = yield(WAIT)
  until v == job
  return job:result()
end

--- `lsock.getaddrinfo` for tasks: the same arguments, results and errors,
-- but the lookup runs on a worker thread while the task yields, so other
-- tasks go on (outside a task it is `lsock.getaddrinfo`).  A cancelled
-- task's lookup is dropped when it ends.
-- @tparam string host a name or numeric address (nil with passive hints)
-- @tparam[opt] string|int service a port number or /etc/services name
-- @tparam[opt] table hints as `lsock.getaddrinfo`'s
-- @treturn {table,...} the answers, as `lsock.getaddrinfo` gives them
-- @return[2] nil, gai message, EAI code
-- @usage loop.spawn(function() local ai = assert(loop.getaddrinfo("localhost", 80)) end)
function M.getaddrinfo(host, service, hints)
  local co = intask()
  if not co then return core.getaddrinfo(host, service, hints) end
  return lookup(co, c_getaddrinfo(host, service, hints))
end

--- `lsock.getnameinfo` for tasks, on a worker thread (see
-- `loop.getaddrinfo`).
-- @tparam sockaddr addr
-- @tparam[opt] string|int flags as `lsock.getnameinfo`'s
-- @treturn string host
-- @treturn string service
-- @return[2] nil, gai message, EAI code
-- @usage loop.spawn(function() print(loop.getnameinfo(lsock.addr("127.0.0.1", 22))) end)
function M.getnameinfo(addr, flags)
  local co = intask()
  if not co then return core.getnameinfo(addr, flags) end
  return lookup(co, c_getnameinfo(addr, flags))
end

---------------------------------------------------------------- timers

--- A timer of `loop.after` or `loop.every`: its one method is `cancel`.
-- @type timer
-- @usage local t = loop.after(5, print, "late"); t:cancel()
local Timer = { __name = "lsock.loop.timer" }
Timer.__index = Timer
M._timermt = Timer   -- for lsock.help's list of methods

--- Stop a timer of `loop.after` or `loop.every`: a call not yet made is
-- never made (one already running goes on).
-- @treturn boolean true, or false when nothing was left to cancel
-- @usage local t = loop.every(1, tick); ...; t:cancel()
function Timer:cancel()
  if not self.armed then return false end
  self.armed = false
  tdl[self] = nil          -- its heap entry is skipped when it comes up
  ntimers = ntimers - 1
  return true
end

function Timer:__tostring()
  return ("lsock.loop.timer (%s): %s"):format(self.armed and "pending" or "done",
    self.id)
end

-- The timer's time has come (called by timers()): its call is a task of
-- its own; an every timer is armed again for its next time.
local function firetimer(tm)
  if not tm.armed then return end
  if tm.every then
    local due, t = tm.due + tm.every, now()
    if due <= t then due = t + tm.every end   -- behind: the next one from now
    tm.due = due
    settimer(tm, due)
  else
    tm.armed = false
    ntimers = ntimers - 1
  end
  M.spawn(tm.fn, unpack(tm.args, 1, tm.n))
end

local function checkdelay(s, fname)
  checktype(s, "number", 1, fname)
  if s ~= s then error(("bad argument #1 to '%s' (seconds must not be NaN)"):format(fname), 3) end
end

-- A timer is a heap entry of its own (no task until it fires).
local function newtimer(s, every, fn, ...)
  local t = setmetatable({ armed = true, every = every, fn = fn,
                           args = { ... }, n = select("#", ...) }, Timer)
  t.id = tostring(t.args):match("0x%x+") or ""
  t.due = now() + (s > 0 and s or 0)
  ntimers = ntimers + 1
  settimer(t, t.due)
  return t
end

--- Call `fn(...)` once, `s` seconds from now, in a task of its own (an
-- error goes to `loop.onerror`).
-- @tparam number s seconds (0 or less: at the next round)
-- @tparam function fn
-- @param ... its arguments
-- @treturn timer with `timer:cancel()`
-- @usage loop.after(0.5, print, "half a second later")
function M.after(s, fn, ...)
  checkdelay(s, "after")
  checktype(fn, "function", 2, "after")
  return newtimer(s, false, fn, ...)
end

--- Call `fn(...)` every `s` seconds until the timer is cancelled, each
-- call in a task of its own: a call that raises goes to `loop.onerror`
-- and the schedule goes on; a late round is not made up for twice.
-- @tparam number s seconds, > 0
-- @tparam function fn
-- @param ... its arguments
-- @treturn timer with `timer:cancel()`
-- @usage local t = loop.every(1, function() print(loop.now()) end)
function M.every(s, fn, ...)
  checkdelay(s, "every")
  if s <= 0 then error("bad argument #1 to 'every' (seconds must be > 0)", 2) end
  checktype(fn, "function", 2, "every")
  return newtimer(s, s, fn, ...)
end

-- Cancels the inner task of a loop.timeout whose caller ends first.
local INNER = { __close = function(g) if g[1] then M.cancel(g[1]) end end }

--- Run `fn(...)` in the calling task and return its results, or
-- `nil, "timeout", ETIMEDOUT` once `s` seconds have passed: then `fn`
-- is abandoned where it waits, as by `loop.cancel` (its `<close>`
-- variables are closed; a `pcall` inside it does not catch it) and the
-- sockets it used stay usable.  An error of `fn` is raised again here.
-- Nested timeouts: the earliest wins.  Only inside a task.
-- @tparam number s seconds
-- @tparam function fn
-- @param ... its arguments
-- @return what `fn` returns, or `nil, "timeout", ETIMEDOUT`
-- @usage local line, err = loop.timeout(5, sock.recv, sock, 100)
function M.timeout(s, fn, ...)
  checkdelay(s, "timeout")
  checktype(fn, "function", 2, "timeout")
  local co = intask()
  if not co then error("loop.timeout: not inside a task", 2) end
  local args, n = { ... }, select("#", ...)
  local waiting = true
  local inner = M.spawn(function()
    local r = pack(pcall(fn, unpack(args, 1, n)))
    if waiting then
      waiting = false
      tdl[co] = nil
      enqueue(co, r)
    end
  end)
  local guard <close> = setmetatable({ inner }, INNER)
  settimer(co, now() + (s > 0 and s or 0))
  local v
  repeat v = yield(WAIT) until v == true or (type(v) == "table" and v.n)
  tdl[co] = nil
  if v == true then            -- the timer: fn is abandoned
    waiting = false
    return nil, "timeout", ETIMEDOUT
  end
  guard[1] = nil
  if not v[1] then error(v[2], 0) end
  return unpack(v, 2, v.n)
end

--- What the loop holds now: tasks alive, tasks waiting for I/O, objects
-- registered with its poller and timers pending (heap entries, some of
-- them stale).  For tests and monitoring.
-- @treturn table `{tasks=, waiting=, registered=, timers=}`
-- @usage assert(loop.stats().tasks == 0)
function M.stats()
  return { tasks = ntasks, waiting = nwaiting, registered = nrecs, timers = hn,
           pending = ntimers }
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
        if type(co) == "table" then
          firetimer(co)     -- a timer of after/every
        else
          -- false: an I/O wait timed out; true: a sleep is over.
          local st = tasks[co]
          resumetask(co, not (st and st.w))
        end
      elseif not theap[co] or theap[co] > want then
        hpush(want, co)
        theap[co] = want
      end
    end
  end
end

-- One wait of the poller and the tasks it wakes; returns the events seen.
-- The work per event is C's (lsock.core._dispatch): for each event, the
-- record's reader (on "r" or "h") and writer (on "w" or "h") are taken
-- off it and resumed with the object, and trim asks the poller for what
-- the waiters still need; a resume that did not end in a wait goes to
-- aftertask.
D[1], D[2], D[3], D[4] = WAIT, recs, aftertask, trim
D[8], D[9] = "want", resumetask
local dispatch = core._dispatch

local function round(timeout)
  local n, msg = dispatch(poller or getpoller(), timeout, D)
  if not n then error("lsock.loop: poller failed: " .. tostring(msg)) end
  return n
end

-- An error a task gave loop.raise: run() raises it after the round.
local failure

--- Make the running `loop.run()` raise `err` (after the current round),
-- for an error that must end the loop rather than only be reported to
-- `loop.onerror` (a server's raising `stop` function, for one).
-- @param err the error value
-- @treturn nil
-- @usage loop.raise("config reload failed")
function M.raise(err)
  if err == nil then error("bad argument #1 to 'raise' (value expected)", 2) end
  failure = err
end

-- until_fn is asked at least this often, even when no event comes.
local ASK = 0.1
local sweptat = 0

local function mainloop(until_fn)
  while true do
    -- Tasks made ready before this round (those they wake wait a round).
    local last = qtail
    while qhead <= last do
      local co, v = qco[qhead], qval[qhead]
      qco[qhead], qval[qhead] = nil, nil
      qhead = qhead + 1
      if tasks[co] then
        if status(co) == "suspended" then
          resumetask(co, v)
        elseif status(co) == "dead" then
          finish(co)   -- closed before it ever ran: no guard to tell
        end
      end
    end
    if #forgetq > 0 then
      local q = forgetq
      forgetq = {}
      for i = 1, #q do
        if isopen(q[i]) then forget(q[i], false) end
      end
    end
    if failure ~= nil then
      local err = failure
      failure = nil
      error(err, 0)
    end
    if until_fn and until_fn() then return end
    if ntasks == 0 and ntimers == 0 then
      -- Timers left belong to tasks that are gone: let them go.
      for i = hn, 1, -1 do hdl[i], hco[i] = nil, nil end
      hn = 0
      return
    end
    local timeout
    if qhead <= qtail then
      timeout = 0
    elseif hn > 0 then
      timeout = hdl[1] - now()
      if timeout < 0 then timeout = 0 end
    elseif nwaiting == 0 then
      return  -- every task waits for something that cannot happen
    end
    -- Never block longer than ASK: until_fn is asked, and waiters of
    -- objects closed behind the loop's back are found, while all wait.
    if not timeout or timeout > ASK then timeout = ASK end
    if round(timeout) == 0 and timeout > 0 then
      local t = now()
      if t >= sweptat + ASK then
        sweptat = t
        sweepwaiters()
      end
    end
    if hn > 0 and hdl[1] <= now() then timers() end
  end
end

--- Run the tasks until none is left, or until `until_fn()` returns true
-- (asked after every round, and at least every 0.1 s while every task
-- waits).
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

-- Whether a call's flags (a number or a string of names) say "dontwait":
-- such a call returns EAGAIN at once, as the plain call does.
local function dontwait(flags)
  if math.type(flags) == "integer" then return flags & MSG_DONTWAIT ~= 0 end
  return type(flags) == "string" and flags:find("dontwait", 1, true) ~= nil
end

-- A call's results, counted, and given back as many as there were: the
-- wrapper returns exactly what the plain call returned, without a table.
local function count(...) return select("#", ...), ... end
local function upto(n, a, b, c, d, e)
  if n <= 1 then return a end
  if n == 2 then return a, b end
  if n == 3 then return a, b, c end
  if n == 4 then return a, b, c, d end
  return a, b, c, d, e
end

-- The one retry of every waiting method: call f on the underlying
-- (non-blocking) socket; while it says EAGAIN and the wrapper may wait
-- (a timeout other than 0, no "dontwait"), wait for dir until the
-- wrapper's deadline and call again.  First is the result of a try the
-- caller already made (nil: none).
local function retry(self, dir, nowait, f, ...)
  local s = self.sock
  local n, a, b, c, d, e = count(f(s, ...))
  if a or c ~= EAGAIN or nowait or self.timeout == 0 then
    return upto(n, a, b, c, d, e)
  end
  local dl = deadline(self)
  repeat
    local ok, msg, err = waitio(s, dir, dl)
    if not ok then return nil, msg, err end
    n, a, b, c, d, e = count(f(s, ...))
  until a or c ~= EAGAIN
  return upto(n, a, b, c, d, e)
end

-- The waiting methods: direction and where their flags are (an index
-- into the arguments after self, or a function of them).
-- sendto's flags come third after a sockaddr or a unix path, fourth
-- after a host and port.
local function sendtoflags(s, _, to, a3, a4)
  if type(to) ~= "string" or s:family() == "unix" then return a3 end
  return a4
end
local WAITING = {
  recv = { R, 2 }, recvfrom = { R, 2 },
  recvfds = { R, 3 }, recvmmsg = { R, 3 }, accept = { R },
  send = { W, 2 }, sendto = { W, sendtoflags }, sendmsg = { W, 3 },
  sendfds = { W, 3 }, sendmmsg = { W, 3 },
}

-- Every method not defined below: a waiting one through retry, any other
-- passed through.
local Methods = setmetatable({}, {
  __index = function(t, k)
    local f = smeth[k]
    if f == nil then return nil end
    local m
    local spec = WAITING[k]
    if not spec then
      m = function(self, ...) return f(self.sock, ...) end
    elseif type(spec[2]) == "function" then
      local where = spec[2]
      m = function(self, ...)
        return retry(self, spec[1], dontwait(where(self.sock, ...)), f, ...)
      end
    elseif spec[2] then
      local i, dir = spec[2], spec[1]
      m = function(self, ...)
        return retry(self, dir, dontwait((select(i, ...))), f, ...)
      end
    else
      local dir = spec[1]
      m = function(self, ...) return retry(self, dir, false, f, ...) end
    end
    t[k] = m
    return m
  end,
})
Wrapped.__index = setmetatable({}, { __index = Methods })
local WM = Wrapped.__index

-- Every field a method reads is always there (timeout false for none,
-- drained false): a missing one would be looked up through Methods'
-- __index function at every call.
local function wrapraw(sock, timeout)
  return setmetatable({ sock = sock, timeout = timeout or false,
                        drained = false }, Wrapped)
end

--- A socket whose blocking calls (`accept`, `connect`, `recv`, `send`,
-- `sendall`, `recvfrom`, `sendto`, `recvmsg`, `sendmsg`, `recvmmsg`,
-- `sendmmsg`, `recvfds`, `sendfds`, `sendfile`) yield to the loop inside
-- a task (and block outside one), honour the socket's timeout
-- (`settimeout` on the wrapper) and its flags ("dontwait", "waitall"),
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
  s:settimeout(self.timeout or nil)
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
  self.timeout = t or false
  return true
end

function WM:gettimeout()
  s_fileno(self.sock)
  return self.timeout or nil
end

function WM:setblocking(on)
  return self:settimeout(not on and 0 or nil)
end

-- A duplicate is a plain socket with the wrapper's timeout, as the
-- plain dup of a socket has the socket's.
function WM:dup()
  local d, msg, err = self.sock:dup()
  if d then d:settimeout(self.timeout or nil) end
  return d, msg, err
end

function WM:close()
  return self.sock:close()   -- the interposed close: forgets it first
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

-- Whether flags ask for a full read ("waitall" without "peek").
local function waitall(flags)
  if math.type(flags) == "integer" then
    return flags & core.MSG_WAITALL ~= 0 and flags & core.MSG_PEEK == 0
  end
  return type(flags) == "string" and flags:find("waitall", 1, true) ~= nil
         and not flags:find("peek", 1, true)
end

-- "waitall" on a stream: after a short read d, read on until n bytes
-- came, the end of the stream, an error or the deadline; what came is
-- the result, as the plain call gives it.
local function rest(self, d, n, flags)
  local s = self.sock
  if not waitall(flags) or s:type() ~= "stream" then return d end
  local parts, got, dl = { d }, #d, deadline(self)
  while got < n do
    local more = s_recv(s, n - got, flags)
    if more == "" then break end
    if more then
      parts[#parts + 1], got = more, got + #more
    elseif not waitio(s, R, dl) then
      break
    end
  end
  return table.concat(parts)
end

function WM:recvmsg(n, ancsize, flags)
  local nowait = self.timeout == 0 or dontwait(flags)
  local k, d, anc, fl, e4, e5 = count(retry(self, R, nowait, s_recvmsg, n,
                                            ancsize, flags))
  if flags and d and not nowait and math.type(n) == "integer" and #d < n
     and d ~= "" then
    d = rest(self, d, n, flags)
  end
  return upto(k, d, anc, fl, e4, e5)
end

-- When the last recv got less than it asked for, the socket was drained:
-- in a task, the next recv waits for readiness before trying, which
-- saves the system call that would only say EAGAIN (the poller is level
-- triggered, so data already there is reported at once).  "waitall"
-- reads until n bytes came, as the plain call does: what came by the
-- end of the stream, an error or the deadline is the result.
function WM:recv(n, flags)
  local s = self.sock
  local t = self.timeout
  local nowait = t == 0 or flags ~= nil and dontwait(flags)
  if self.drained and not nowait then
    local co = running()            -- intask(), inlined: the hot path
    if co == D[CUR] then
      local ok, msg, err = taskwait(s, R, t and now() + t, co)
      if not ok then
        self.drained = false
        return nil, msg, err
      end
    end
  end
  local d, msg, err = s_recv(s, n, flags)
  if not d and err == EAGAIN and not nowait then
    d, msg, err = retry(self, R, nowait, s_recv, n, flags)
  end
  if flags and d and not nowait and #d < n and d ~= "" then
    d = rest(self, d, n, flags)
  end
  if d then
    self.drained = #d < n
    return d
  end
  self.drained = false
  return nil, msg, err
end

-- The range data:sub(i, j) as start and end indices.
local function range(len, i, j)
  i, j = i or 1, j or -1
  if i < 0 then i = i < -len and 1 or len + i + 1 elseif i == 0 then i = 1 end
  if j < 0 then j = j < -len and 0 or len + j + 1 elseif j > len then j = len end
  return i, j
end

function WM:sendall(data, i, j)
  local s = self.sock
  local n, msg, err, sent = s_sendall(s, data, i, j)
  if n then return n end
  if err ~= EAGAIN or self.timeout == 0 then return nil, msg, err, sent end
  -- C took data as a string (or a number, as Lua converts it).
  data = tostring(data)
  i, j = range(#data, i, j)
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

function WM:sendfile(file, offset, size)
  local s = self.sock
  local n, msg, err, sent = s_sendfile(s, file, offset, size)
  if n then return n end
  if err ~= EAGAIN or self.timeout == 0 then return nil, msg, err, sent end
  local total, dl = sent or 0, deadline(self)
  while true do
    local ok
    ok, msg, err = waitio(s, W, dl)
    if not ok then return nil, msg, err, total end
    n, msg, err, sent = s_sendfile(s, file, offset and offset + total,
                                   size and size - total)
    if n then return total + n end
    total = total + (sent or 0)
    if err ~= EAGAIN then return nil, msg, err, total end
  end
end

function WM:accept()
  local c, a, err = retry(self, R, false, s_accept)
  if not c then return nil, a, err end
  -- Accepted sockets are non-blocking already (the listener is) and
  -- inherit the listener's timeout, as plain accept does.
  return wrapraw(c, self.timeout), a
end

function WM:connect(...)
  local s = self.sock
  if self.timeout == 0 then return s_connect(s, ...) end
  return wait.connected(s, deadline(self), ...)
end

return M
