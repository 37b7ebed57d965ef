-- lsock.waitfor: the one place where the Lua layer waits for a descriptor.
-- `wait.ready(obj, dir, deadline)` waits until obj (anything lsock.select
-- takes) is readable (dir R) or writable (W), or the monotonic deadline
-- passes (nil: none).  Outside a loop task it blocks the process in
-- poll(); inside a task it registers with the loop's poller and yields:
-- lsock.loop installs that half with `wait.install` when it is loaded,
-- so code that never uses the loop never loads it.  Every helper module
-- (tcp, unix, udp, stream, server, the loop's wrapped sockets) waits
-- here and nowhere else.  Not part of the public API.
local core = require "lsock.core"

local M = {}

local ETIMEDOUT = core.errno.ETIMEDOUT
local now, select = core.monotime, core.select

M.R, M.W = 1, 2

-- Block the process until one of objs is ready or the deadline: the
-- first ready entry, or nil, "timeout", ETIMEDOUT, or nil, msg, errno.
local function poll(objs, dir, deadline)
  local left = deadline and deadline - now()
  if left and left < 0 then left = 0 end
  local r, w, err = select(dir == 1 and objs or nil, dir == 2 and objs or nil,
                           left)
  if not r then return nil, w, err end
  local got = r[1] or w[1]
  if got == nil then return nil, "timeout", ETIMEDOUT end
  return got
end

-- The loop's half (set by install): the running task or nil, and the
-- wait that yields.
local intask = function() return nil end
local taskwait, taskwaitany

-- For lsock.loop: the task test and the two waits that yield.
function M.install(isin, waitone, waitany)
  intask, taskwait, taskwaitany = isin, waitone, waitany
  M.intask = isin
end

-- The running loop task, or nil (main program, or a coroutine of the
-- program's own).
function M.intask() return intask() end

-- Wait until obj is ready for dir or the deadline: true, or nil,
-- "timeout", ETIMEDOUT, or nil, msg, errno (EBADF: closed meanwhile).
function M.ready(obj, dir, deadline)
  local co = intask()
  if co then return taskwait(obj, dir, deadline, co) end
  local got, msg, err = poll({ obj }, dir, deadline)
  if got == nil then return nil, msg, err end
  return true
end

-- Wait until one of the array objs is ready for dir: that entry (the
-- first ready one), or nil, msg, errno as `ready`.
function M.any(objs, dir, deadline)
  local co = intask()
  if co then
    return taskwaitany(objs, dir, deadline, co)
  end
  return poll(objs, dir, deadline)
end

-- Pause: yields inside a task (lsock.loop.sleep), else blocks.
function M.sleep(seconds)
  if intask() then return require("lsock.loop").sleep(seconds) end
  return core.sleep(seconds)
end

-- A deadline `t` seconds from now (nil or a negative t: none).
function M.deadline(t)
  if t == nil or t < 0 then return nil end
  return now() + t
end

local EAGAIN, EINPROGRESS = core.errno.EAGAIN, core.errno.EINPROGRESS

-- connect(...) on a non-blocking socket s, finished until the deadline:
-- true or nil, msg, errno.  A unix listener with a full backlog says
-- EAGAIN, and poll cannot tell when room appears: connect is tried again
-- every few milliseconds.
function M.connected(s, deadline, ...)
  local ok, msg, err = s:connect(...)
  if ok or (err ~= EINPROGRESS and err ~= EAGAIN) then return ok, msg, err end
  while err == EAGAIN do
    if deadline and now() >= deadline then return nil, "timeout", ETIMEDOUT end
    M.sleep(0.005)
    ok, msg, err = s:connect(...)
    if ok then return ok end
    if err ~= EAGAIN and err ~= EINPROGRESS then return ok, msg, err end
  end
  ok, msg, err = M.ready(s, M.W, deadline)
  if not ok then return nil, msg, err end
  err, msg = s:getsockopt("socket", "error")
  if err == 0 then return true end
  if not err then return nil, msg end
  return nil, core.strerror(err), err
end

-- A plain socket's connect that yields inside a task (outside one it is
-- the plain call, which waits in C).
function M.connect(s, ...)
  if not intask() then return s:connect(...) end
  local t = s:gettimeout()
  if t == 0 then return s:connect(...) end
  s:settimeout(0)
  local ok, msg, err = M.connected(s, M.deadline(t), ...)
  s:settimeout(t)
  return ok, msg, err
end

-- recv and sendall of a plain socket, yielding inside a task: the call
-- is made with "dontwait", and the wait is the seam's, bounded by the
-- socket's own timeout (as the plain call's wait in C would be).
function M.recv(s, n)
  if not intask() then return s:recv(n) end
  local t = s:gettimeout()
  if t == 0 then return s:recv(n) end
  local dl = M.deadline(t)
  while true do
    local d, msg, err = s:recv(n, "dontwait")
    if d or err ~= EAGAIN then return d, msg, err end
    local ok
    ok, msg, err = M.ready(s, M.R, dl)
    if not ok then return nil, msg, err end
  end
end

function M.sendall(s, data)
  if not intask() then return s:sendall(data) end
  local t = s:gettimeout()
  if t == 0 then return s:sendall(data) end
  local dl, sent, len = M.deadline(t), 0, #data
  while sent < len do
    local n, msg, err = s:send(data, "dontwait", sent + 1)
    if n then
      sent = sent + n
    elseif err ~= EAGAIN then
      return nil, msg, err, sent
    else
      local ok
      ok, msg, err = M.ready(s, M.W, dl)
      if not ok then return nil, msg, err, sent end
    end
  end
  return len
end

return M
