--- lsock.server: the course's servers, ready to use.
-- `tcp{...}` serves connections one at a time ("iterative"), one process
-- each ("fork"), all in one process with `lsock.select` ("select") or
-- one coroutine each ("coroutine", over `lsock.loop`); `udp{...}` serves
-- datagrams ("iterative" or "coroutine"); `path=` gives unix sockets.
-- Every mode isolates handler errors, caps concurrent connections, backs
-- off on EMFILE while serving the open connections, and stops on
-- `server:close()`, a `stop` function or a `deadline`.
-- @usage assert(lsock.server.tcp{port = 7777, handler = function(c) c:sendall("hi\n") end}):run()
-- @module lsock.server
local core = require "lsock.core"
local loop = require "lsock.loop"
local util = require "lsock.util"
local wait = require "lsock.waitfor"
local checktype = util.checktype

local M = {}

local errno = core.errno
local now = core.monotime

-- accept failures that mean "out of descriptors or memory": wait a while
-- (the listener stays readable, so retrying at once would spin).
local SCARCE = {
  [errno.EMFILE] = true, [errno.ENFILE] = true,
  [errno.ENOBUFS] = true, [errno.ENOMEM] = true,
}

local Server = {}
Server.__index = Server

local function report(self, what, msg)
  local f = self.opts.onerror
  if f then
    f(msg, what)
  else
    io.stderr:write("lsock.server: ", what, ": ", tostring(msg), "\n")
  end
end

local function isopen(s)
  return (pcall(s.fileno, s))
end

-- The listening (or, for UDP, bound) socket the options describe: made
-- by the same helpers a program would call (tcp.listen, udp.open,
-- unix.listen), so every option means the same everywhere.
local function open(opts, socktype)
  if opts.path then
    return require("lsock.unix").listen(opts.path,
      { type = socktype, backlog = opts.backlog })
  end
  local host = opts.host
  if host == "*" then host = nil end
  if socktype == "stream" then
    return require("lsock.tcp").listen(host, opts.port or 0, {
      backlog = opts.backlog, reuseaddr = opts.reuseaddr,
      reuseport = opts.reuseport, v6only = opts.v6only, family = opts.family,
    })
  end
  return require("lsock.udp").open{
    bind = { host or "*", opts.port or 0 }, family = opts.family,
    reuseaddr = opts.reuseaddr, reuseport = opts.reuseport,
    v6only = opts.v6only,
  }
end

local TCP_MODES = { "iterative", "fork", "select", "coroutine" }
local UDP_MODES = { "iterative", "coroutine" }

-- The options of both constructors, checked by util.checkopts (type and
-- range, naming the option); TCP adds backlog, UDP size.
local function optspec(modes)
  local seconds = { "number", min = 0 }
  return {
    host = "string", port = { "integer|string", min = 0, max = 65535 },
    path = "string", family = "string|number",
    mode = { "string", oneof = modes }, handler = "function",
    max = { "number", min = 1 }, timeout = seconds, stop = "function",
    deadline = seconds, grace = seconds,
    interval = { "number", above = 0 }, backoff = { "number", above = 0 },
    onerror = "function", reuseaddr = "boolean", reuseport = "boolean",
    v6only = "boolean",
  }
end
local TCP_OPTS, UDP_OPTS = optspec(TCP_MODES), optspec(UDP_MODES)
TCP_OPTS.backlog = { "integer", min = 0, max = 2147483647 }
TCP_OPTS.tls = "lsock.tls.context"
UDP_OPTS.size = { "integer", min = 1, max = util.MAXSIZE }

-- opts.tls: the handler gets the handshaken TLS connection (kept per
-- socket for the select mode's repeated calls, closed with close_notify
-- when the handler is done); a failed handshake is reported and the
-- connection dropped, and the server goes on.
local function tlshandler(self, ctx, handler)
  local tls = require "lsock.tls"
  local conns = setmetatable({}, { __mode = "k" })
  return function(c, a)
    local conn = conns[c]
    if not conn then
      conn = tls.wrap(c, ctx)
      local ok, msg = conn:handshake()
      if not ok then
        report(self, "tls handshake", msg)
        conn:close()
        return false
      end
      conns[c] = conn
    end
    local keep = handler(conn, a)
    -- select watches the socket, not what the connection holds: call
    -- again while decrypted bytes or whole records read ahead wait
    -- (dirty(); bounded: a handler that reads nothing stops it).
    for _ = 1, 64 do
      if self.mode ~= "select" or not keep or not conn:dirty() then break end
      keep = handler(conn, a)
    end
    if self.mode ~= "select" or not keep then conns[c] = nil; conn:close() end
    return keep
  end
end

local function new(kind, opts)
  if opts.handler == nil then
    error("bad argument #1 to '" .. kind .. "' (option 'handler' missing: function expected)", 3)
  end
  local s, msg, err = open(opts, kind == "tcp" and "stream" or "dgram")
  if not s then return nil, msg, err end
  s:settimeout(0)
  local self = setmetatable({
    kind = kind, mode = opts.mode or "iterative", opts = opts, sock = s,
    addr = s:getsockname(), handler = opts.handler, closed = false,
    count = 0, tasks = {},
    max = opts.max or math.huge, interval = opts.interval or 0.25,
    grace = opts.grace or 5,
  }, Server)
  self.path = opts.path
  if opts.tls then self.handler = tlshandler(self, opts.tls, opts.handler) end
  return self
end

--- A TCP (or unix stream) server.
-- @tparam table opts `host` (string, default all interfaces), `port`
-- (0-65535 or a service name, default 0), or `path` (unix); `family`;
-- `mode` (`"iterative"` default, `"fork"`, `"select"`, `"coroutine"`);
-- `handler(sock, addr)` (required); `max` concurrent connections (>= 1);
-- `timeout` for connected sockets (seconds >= 0); `stop` (a function:
-- true stops); `deadline` (seconds >= 0 after `run()` starts); `grace`
-- (seconds >= 0 to let open connections finish after close, default 5;
-- then they are closed and their tasks ended or their processes
-- killed); `interval` (how often `stop` is asked, > 0, default 0.25 s);
-- `backoff` (first wait after EMFILE, > 0, default 0.05 s, doubling up
-- to 1 s); `backlog` (integer, 0 to 2^31 - 1); `reuseaddr` (default true),
-- `reuseport`, `v6only` (as `lsock.tcp.listen`); `onerror(msg, what)`;
-- `tls` (a server context of `lsock.tls.context`: the handler gets the
-- handshaken TLS connection; a failed handshake is reported as "tls
-- handshake" and the connection dropped).  A wrong type or range, or any
-- other key, raises naming the option.
-- @return server, or `nil, msg, errno` (EADDRINUSE ...)
-- @usage local srv = assert(lsock.server.tcp{port = 7777, mode = "fork", handler = serve})
function M.tcp(opts)
  checktype(opts, "table", 1, "tcp")
  return new("tcp", util.checkopts(opts, TCP_OPTS, 1, "tcp"))
end

--- A UDP (or unix datagram) server: `handler(data, addr)` returns the
-- reply (or nil), which is sent even if the server was closed meanwhile.
-- Modes `"iterative"` and `"coroutine"` (each datagram handled in its
-- own task).
-- @tparam table opts `host` (default all interfaces), `port` (default 0),
-- or `path` (unix datagram); `family` ("inet", "inet6"); `mode`
-- (`"iterative"` default, `"coroutine"`); `handler(data, addr)`, whose
-- result is sent back to `addr`; `size` (the largest datagram, 1 to
-- 2^31 - 1, default 65535); `max` datagrams handled at once (coroutine);
-- `timeout`; `stop` (a function: true stops); `deadline`; `grace`;
-- `interval`; `reuseaddr`, `reuseport`, `v6only` (as `lsock.udp.open`);
-- `onerror(msg, what)` (as `server.tcp`).  A wrong type or
-- range, or any other key, raises naming the option.
-- @return server, or `nil, msg, errno`
-- @usage local srv = assert(lsock.server.udp{port = 0, handler = string.upper})
function M.udp(opts)
  checktype(opts, "table", 1, "udp")
  return new("udp", util.checkopts(opts, UDP_OPTS, 1, "udp"))
end

-- Let go of the listening (or bound) socket and the unix socket file.
-- A UDP server with requests in flight keeps a duplicate of its socket
-- to send their replies (self.replysock, closed when run() ends).
local function release(self)
  if self.released then return end
  self.released = true
  if self.kind == "udp" and self.count > 0 and not self.child
     and isopen(self.sock) then
    self.replysock = self.sock:dup()
    if self.replysock then self.replysock:settimeout(0) end
  end
  if self.wsock then self.wsock:close() else self.sock:close() end
  if self.path and not self.child then os.remove(self.path) end
end

--- Stop: no new connections; `run()` returns once the open ones finish
-- (those still open after `grace` seconds are closed).  Harmless twice.
-- @treturn boolean true
-- @usage srv:close()
function Server:close()
  if self.closed then return true end
  self.closed = true
  self.closedat = now()
  release(self)
  if self.parked then
    local co = self.parked
    self.parked = nil
    loop.wakeup(co)
  end
  return true
end

-- Should run() stop now?  Asks the stop function and the deadline.  A
-- stop function that raises closes the server at once (no grace) and
-- run() raises its error once the connections are closed.
local function stopping(self)
  if self.closed then return true end
  local stop = self.opts.stop
  if self.stopat and now() >= self.stopat then
    self:close()
  elseif stop then
    local ok, r = pcall(stop, self)
    if not ok then
      self.failure, self.grace = r, 0
      self:close()
    elseif r then
      self:close()
    end
  end
  return self.closed
end

-- The time to wait for events: until the next stop check.
local function waittime(self)
  local t = self.interval
  if self.stopat then
    local left = self.stopat - now()
    if left < t then t = left > 0 and left or 0 end
  end
  return t
end

local function backoff(self)
  local b = self.backoff
  self.backoff = b and math.min(b * 2, 1) or (self.opts.backoff or 0.05)
  return self.backoff
end

local function call(self, what, f, ...)
  local ok, r = xpcall(f, debug.traceback, ...)
  if not ok then report(self, what, r) end
  return ok, r
end

-- Send a UDP reply: on the socket, or on its duplicate once closed.
local function reply(self, data, a)
  local s = self.replysock or self.sock
  if isopen(s) then call(self, "reply", s.sendto, s, data, a) end
end

-- Wait for the listening (or bound) socket until the next stop check:
-- true when it is readable.  Inside a loop task this yields.
local function readable(self)
  return wait.ready(self.sock, wait.R, now() + waittime(self)) == true
end

-- A new connection: the back-off is over; its timeout is the option's.
-- Inside a loop task (run() called from one) the handler gets it
-- wrapped, so that its calls yield too.
local function accepted(self, c)
  self.backoff = nil
  c:settimeout(self.opts.timeout)
  if wait.intask() then return loop.wrap(c) end
  return c
end

-- Iterative: one connection at a time. --------------------------------

local function run_iterative(self)
  local s = self.sock
  while not stopping(self) do
    if readable(self) and not self.closed then
      local c, a, err = s:accept()
      if c then
        c = accepted(self, c)
        self.count = 1
        call(self, "handler", self.handler, c, a)
        c:close()
        self.count = 0
      elseif SCARCE[err] then
        wait.sleep(backoff(self))
      end
    end
  end
end

-- Fork: one process per connection. ------------------------------------

-- Reap the children that exited: this server's only (one wait per known
-- pid, never waitpid(-1), which would take the children of io.popen and
-- os.execute from the rest of the program).
local function reap(self)
  for pid in pairs(self.children) do
    local got = core.wait(pid, "nohang")
    if got ~= 0 then   -- it exited (got == pid) or is gone (nil: ECHILD)
      self.children[pid] = nil
      self.count = self.count - 1
    end
  end
end

-- After grace: kill the children still serving, and reap them.
local function killchildren(self)
  for pid in pairs(self.children) do
    core.kill(pid, "KILL")  -- ESRCH: it has just exited; wait reaps it
    core.wait(pid)
    self.children[pid] = nil  -- clearing a field while traversing is allowed
  end
  self.count = 0
end

local function run_fork(self)
  local s = self.sock
  self.children = {}
  while not stopping(self) do
    reap(self)
    if self.count >= self.max then
      wait.sleep(0.01)
    else
      local c, a, err
      if readable(self) and not self.closed then c, a, err = s:accept() end
      if c then
        c:settimeout(self.opts.timeout)
        self.backoff = nil
        local pid, msg = core.fork()
        if pid == 0 then
          -- The child serves this one client and exits; the listener
          -- and the rest of the parent's state are not its business.
          -- The handler runs in a coroutine of its own, so that even in
          -- a loop task it blocks (the child has no loop of its own).
          self.child = true
          s:close()
          local ok = coroutine.wrap(function()
            return call(self, "handler", self.handler, c, a)
          end)()
          c:close()
          os.exit(ok and 0 or 1)
        end
        c:close()
        if pid then
          self.children[pid] = true
          self.count = self.count + 1
        else
          report(self, "fork", msg)
          wait.sleep(backoff(self))
        end
      elseif SCARCE[err] then
        wait.sleep(backoff(self))
      end
    end
  end
  -- Let the children finish their clients, for up to 'grace' seconds.
  local limit = self.closedat + self.grace
  reap(self)
  while self.count > 0 and now() < limit do
    wait.sleep(0.01)
    reap(self)
  end
  killchildren(self)
end

-- Select: every connection in one process, one lsock.select. ----------

-- The readers ready by the deadline (all of them are, at once, in a
-- select(2) outside a loop task; inside one, the first the loop reports).
local function ready(readers, deadline)
  if wait.intask() then
    local r = wait.any(readers, wait.R, deadline)
    return r and { r } or {}
  end
  return core.select(readers, nil, math.max(deadline - now(), 0)) or {}
end

local function run_select(self)
  local s = self.sock
  local conns, addrs = {}, {}
  local resume_at = 0
  while not stopping(self) or (#conns > 0 and now() < self.closedat + self.grace) do
    -- A handler may have closed any connection (its own or another's):
    -- forget the closed ones before they reach select.
    local kept = {}
    for _, c in ipairs(conns) do
      if isopen(c) then kept[#kept + 1] = c else addrs[c] = nil end
    end
    conns = kept
    self.count = #conns
    local readers = {}
    local t = now()
    local listening = not self.closed and #conns < self.max and t >= resume_at
    if listening then readers[1] = s end
    for i = 1, #conns do readers[#readers + 1] = conns[i] end
    local wait = waittime(self)   -- luacheck: ignore wait
    if not listening and resume_at > t and resume_at - t < wait then
      wait = resume_at - t
    end
    if self.closed then
      local left = self.closedat + self.grace - t
      if left < wait then wait = left > 0 and left or 0 end
    end
    local done = {}
    for _, c in ipairs(ready(readers, t + wait)) do
      if c == s then
        -- Take what the backlog holds, up to the cap.
        while #conns < self.max and not self.closed do
          local nc, a, err = s:accept()
          if not nc then
            if SCARCE[err] then resume_at = now() + backoff(self) end
            break
          end
          self.backoff = nil
          nc:settimeout(self.opts.timeout)
          conns[#conns + 1], addrs[nc] = nc, a
        end
      elseif isopen(c) then   -- an earlier handler may have closed it
        local ok, keep = call(self, "handler", self.handler, c, addrs[c])
        if not ok or keep == false then done[c] = true end
      end
    end
    for c in pairs(done) do
      if isopen(c) then c:close() end
    end
  end
  for _, c in ipairs(conns) do
    if isopen(c) then c:close() end
  end
  self.count = 0
end

-- Coroutine: one task per connection (or datagram), over lsock.loop. ---

-- A task of this server ended: one place fewer taken.
local function finished(self, co)
  if not self.tasks[co] then return end   -- ended by endtasks already
  self.tasks[co] = nil
  self.count = self.count - 1
  if self.parked then
    local p = self.parked
    self.parked = nil
    loop.wakeup(p)
  end
end

local function connection(self, c, a)
  call(self, "handler", self.handler, c, a)
  c:close()
  finished(self, coroutine.running())
end

-- After grace: close the connections left and end their tasks.
local function endtasks(self)
  for co, c in pairs(self.tasks) do
    self.tasks[co] = nil
    loop.cancel(co)
    if c ~= true then c:close() end
  end
  self.count = 0
end

local function acceptor(self)
  local ws = self.wsock
  while not self.closed do
    if self.count >= self.max then
      self.parked = coroutine.running()
      loop.suspend()
    else
      local c, a, err = ws:accept()
      if c then
        accepted(self, c)
        self.count = self.count + 1
        local co = loop.spawn(connection, self, c, a)
        self.tasks[co] = c
      elseif SCARCE[err] then
        -- Out of descriptors: the open connections go on being served
        -- while this task sleeps.
        loop.sleep(backoff(self))
      elseif self.closed then
        break
      end
    end
  end
end

-- The task that asks the stop function and watches the deadline and,
-- after close, the grace period.
local function watcher(self)
  while not stopping(self) do loop.sleep(waittime(self)) end
  local limit = self.closedat + self.grace
  while self.count > 0 and now() < limit do loop.sleep(0.01) end
  endtasks(self)
  -- A stop that raised: run() raises it (see Server:run); a server only
  -- started, served by the program's own loop.run(), makes that raise.
  if self.failure ~= nil and not self.running then
    local err = self.failure
    self.failure = nil
    release(self)
    loop.raise(err)
  end
end

local function datagrams(self)
  local ws, size = self.wsock, self.opts.size or 65535
  local function serve(data, a)
    local ok, r = call(self, "handler", self.handler, data, a)
    -- The reply goes out on the raw (non-blocking) socket: a peer that
    -- does not read loses it, as in the iterative mode, and never holds
    -- up the replies of other tasks.
    if ok and r ~= nil then reply(self, r, a) end
    finished(self, coroutine.running())
  end
  while not self.closed do
    if self.count >= self.max then
      self.parked = coroutine.running()
      loop.suspend()
    else
      local data, a = ws:recvfrom(size)
      if data then
        self.count = self.count + 1
        local co = loop.spawn(serve, data, a)
        self.tasks[co] = true
      end
    end
  end
end

--- Start a coroutine server's tasks without running the loop (to serve
-- several servers, or other tasks, from one `lsock.loop.run()`).
-- @treturn boolean true
-- @usage srv:start(); other:start(); lsock.loop.run()
function Server:start()
  if self.mode ~= "coroutine" then error("start: only for mode 'coroutine'", 2) end
  if self.closed then return true end
  if self.started then return true end
  self.started = true
  self.wsock = loop.wrap(self.sock)
  self.wsock:settimeout(nil)  -- accepted sockets inherit it
  if self.opts.deadline then self.stopat = now() + self.opts.deadline end
  loop.spawn(self.kind == "tcp" and acceptor or datagrams, self)
  loop.spawn(watcher, self)
  return true
end

local function run_udp_iterative(self)
  local s, size = self.sock, self.opts.size or 65535
  while not stopping(self) do
    if readable(self) and not self.closed then
      local data, a = s:recvfrom(size)
      if data then
        self.count = 1   -- a request in flight: close() keeps a reply socket
        local ok, r2 = call(self, "handler", self.handler, data, a)
        if ok and r2 ~= nil then reply(self, r2, a) end
        self.count = 0
      end
    end
  end
end

-- Coroutine mode: the tasks of start(), served by the loop: the caller's
-- own (run() called inside a task) or one run here.
local function run_coroutine(self)
  self:start()
  if loop.intask() then
    while not (self.closed and self.count == 0) do loop.sleep(0.01) end
  else
    loop.run(function() return self.closed and self.count == 0 end)
  end
end

-- The modes: what run() does, by kind and mode (a new mode is one entry
-- here, and its name in TCP_MODES or UDP_MODES).
local MODES = {
  tcp = {
    iterative = run_iterative, fork = run_fork, select = run_select,
    coroutine = run_coroutine,
  },
  udp = { iterative = run_udp_iterative, coroutine = run_coroutine },
}

local function serve(self)
  if self.mode ~= "coroutine" and self.opts.deadline then
    self.stopat = now() + self.opts.deadline
  end
  MODES[self.kind][self.mode](self)
end

--- Serve until the server is closed; returns true.  Whatever ends it
-- (close, stop, deadline, or an error, which run() raises again after
-- closing), the listener and the unix socket file are released.  A
-- `stop` function that raises closes the open connections at once and
-- makes run() raise its error.
-- @treturn boolean true
-- @usage assert(srv:run())
function Server:run()
  self.running = true
  local ok, err = pcall(serve, self)
  if not ok then
    self.grace = 0
    self:close()
    if self.children then killchildren(self) end
    if self.started then endtasks(self) end
  end
  self:close()
  if self.replysock then
    self.replysock:close()
    self.replysock = nil
  end
  if not ok then error(err, 0) end
  if self.failure ~= nil then error(self.failure, 0) end
  return true
end

Server.__close = Server.close
Server.__tostring = function(self)
  return ("lsock.server(%s %s %s%s)"):format(self.kind, self.mode,
    tostring(self.addr), self.closed and ", closed" or "")
end

return M
