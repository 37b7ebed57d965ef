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

-- The listening (or, for UDP, bound) socket the options describe.
local function open(opts, socktype)
  local s, ok, msg, err
  if opts.path then
    s, msg, err = core.socket("unix", socktype)
    if not s then return nil, msg, err end
    ok, msg, err = s:bind(opts.path)
    if not ok and err == errno.EADDRINUSE
       and util.stalesocket(opts.path, socktype) then
      os.remove(opts.path)
      ok, msg, err = s:bind(opts.path)
    end
  else
    local host, port = opts.host or "*", opts.port or 0
    local addr, family
    if host == "*" then
      -- All interfaces: dual-stack where IPv6 exists.
      family = opts.family
      if not family then
        local probe = core.socket("inet6", socktype)
        family = probe and "inet6" or "inet"
        if probe then probe:close() end
      end
      addr, msg, err = core.addr("*", port, family)
    else
      local res
      res, msg, err = core.getaddrinfo(host, port,
        { family = opts.family, socktype = socktype, flags = "passive" })
      addr = res and res[1].addr
      family = addr and addr.family
    end
    if not addr then return nil, msg, err end
    s, msg, err = core.socket(family, socktype)
    if not s then return nil, msg, err end
    if family == "inet6" and host == "*" then
      s:setsockopt("ipv6", "v6only", false)
    end
    if socktype == "stream" and opts.reuseaddr ~= false then
      s:setsockopt("socket", "reuseaddr", true)
    end
    ok, msg, err = s:bind(addr)
  end
  if ok and socktype == "stream" then
    ok, msg, err = s:listen(opts.backlog)
  end
  if not ok then
    s:close()
    return nil, msg, err
  end
  return s
end

local TCP_MODES = { iterative = true, fork = true, select = true, coroutine = true }
local UDP_MODES = { iterative = true, coroutine = true }

local function new(kind, opts, modes)
  if type(opts) ~= "table" then
    error("bad argument #1 to '" .. kind .. "' (table expected)", 3)
  end
  local mode = opts.mode or "iterative"
  if not modes[mode] then
    error("bad argument #1 to '" .. kind .. "' (unknown mode '" .. tostring(mode) .. "')", 3)
  end
  if type(opts.handler) ~= "function" then
    error("bad argument #1 to '" .. kind .. "' (handler function expected)", 3)
  end
  local s, msg, err = open(opts, kind == "tcp" and "stream" or "dgram")
  if not s then return nil, msg, err end
  s:settimeout(0)
  local self = setmetatable({
    kind = kind, mode = mode, opts = opts, sock = s, addr = s:getsockname(),
    handler = opts.handler, closed = false, count = 0,
    max = opts.max or math.huge, interval = opts.interval or 0.25,
    grace = opts.grace or 5,
  }, Server)
  self.path = opts.path
  return self
end

--- A TCP (or unix stream) server.
-- @tparam table opts `host` (default all interfaces), `port` (default 0),
-- or `path` (unix); `mode` (`"iterative"` default, `"fork"`, `"select"`,
-- `"coroutine"`); `handler(sock, addr)`; `max` concurrent connections;
-- `timeout` for connected sockets; `stop` (a function: true stops);
-- `deadline` (seconds after `run()` starts); `grace` (seconds to let open
-- connections finish after close, default 5); `interval` (how often
-- `stop` is asked, default 0.25 s); `backoff` (first wait after EMFILE,
-- default 0.05 s, doubling up to 1 s); `backlog`; `reuseaddr` (default
-- true); `onerror(msg, what)`.
-- @return server, or `nil, msg, errno` (EADDRINUSE ...)
-- @usage local srv = assert(lsock.server.tcp{port = 7777, mode = "fork", handler = serve})
function M.tcp(opts)
  checktype(opts, "table", 1, "tcp")
  return new("tcp", opts, TCP_MODES)
end

--- A UDP (or unix datagram) server: `handler(data, addr)` returns the
-- reply (or nil).  Modes `"iterative"` and `"coroutine"` (each datagram
-- handled in its own task); `size` is the largest datagram (65535).
-- @tparam table opts `host` (default all interfaces), `port` (default 0),
-- or `path` (unix datagram); `family` ("inet", "inet6"); `mode`
-- (`"iterative"` default, `"coroutine"`); `handler(data, addr)`, whose
-- result is sent back to `addr`; `size`; `max` datagrams handled at once
-- (coroutine); `timeout`; `stop` (a function: true stops); `deadline`;
-- `grace`; `interval`; `onerror(msg, what)` (as `server.tcp`)
-- @return server, or `nil, msg, errno`
-- @usage local srv = assert(lsock.server.udp{port = 0, handler = string.upper})
function M.udp(opts)
  checktype(opts, "table", 1, "udp")
  return new("udp", opts, UDP_MODES)
end

--- Stop: no new connections; `run()` returns once the open ones finish
-- (those still open after `grace` seconds are closed).  Harmless twice.
-- @treturn boolean true
-- @usage srv:close()
function Server:close()
  if self.closed then return true end
  self.closed = true
  self.closedat = now()
  if self.wsock then self.wsock:close() else self.sock:close() end
  if self.path and not self.child then os.remove(self.path) end
  if self.parked then
    local co = self.parked
    self.parked = nil
    loop.wakeup(co)
  end
  return true
end

-- Should run() stop now?  Asks the stop function and the deadline.
local function stopping(self)
  if self.closed then return true end
  if (self.stopat and now() >= self.stopat) or (self.opts.stop and self.opts.stop(self)) then
    self:close()
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

-- A new connection: the back-off is over; its timeout is the option's.
local function accepted(self, c)
  self.backoff = nil
  c:settimeout(self.opts.timeout)
end

-- Iterative: one connection at a time. --------------------------------

local function run_iterative(self)
  local s = self.sock
  while not stopping(self) do
    local r = core.select({ s }, nil, waittime(self))
    if r and r[1] and not self.closed then
      local c, a, err = s:accept()
      if c then
        accepted(self, c)
        self.count = 1
        call(self, "handler", self.handler, c, a)
        c:close()
        self.count = 0
      elseif SCARCE[err] then
        core.sleep(backoff(self))
      end
    end
  end
end

-- Fork: one process per connection. ------------------------------------

local function reap(self, hang)
  while self.count > 0 do
    local pid = core.wait(-1, hang and "hang" or "nohang")
    if not pid or pid == 0 then return end
    if self.children[pid] then
      self.children[pid] = nil
      self.count = self.count - 1
    end
  end
end

local function run_fork(self)
  local s = self.sock
  self.children = {}
  while not stopping(self) do
    reap(self)
    if self.count >= self.max then
      core.sleep(0.01)
    else
      local r = core.select({ s }, nil, waittime(self))
      local c, a, err
      if r and r[1] and not self.closed then c, a, err = s:accept() end
      if c then
        accepted(self, c)
        local pid, msg = core.fork()
        if pid == 0 then
          -- The child serves this one client and exits; the listener
          -- and the rest of the parent's state are not its business.
          self.child = true
          s:close()
          local ok = call(self, "handler", self.handler, c, a)
          c:close()
          os.exit(ok and 0 or 1)
        end
        c:close()
        if pid then
          self.children[pid] = true
          self.count = self.count + 1
        else
          report(self, "fork", msg)
          core.sleep(backoff(self))
        end
      elseif SCARCE[err] then
        core.sleep(backoff(self))
      end
    end
  end
  -- Let the children finish their clients, for up to 'grace' seconds.
  local limit = now() + self.grace
  while self.count > 0 and now() < limit do
    reap(self)
    if self.count > 0 then core.sleep(0.01) end
  end
end

-- Select: every connection in one process, one lsock.select. ----------

local function run_select(self)
  local s = self.sock
  local conns, addrs = {}, {}
  local resume_at = 0
  while not stopping(self) or (#conns > 0 and now() < self.closedat + self.grace) do
    local readers = {}
    local t = now()
    local listening = not self.closed and #conns < self.max and t >= resume_at
    if listening then readers[1] = s end
    for i = 1, #conns do readers[#readers + 1] = conns[i] end
    local wait = waittime(self)
    if not listening and resume_at > t and resume_at - t < wait then
      wait = resume_at - t
    end
    local ready = core.select(readers, nil, wait) or {}
    local done = {}
    for _, c in ipairs(ready) do
      if c == s then
        -- Take what the backlog holds, up to the cap.
        while #conns < self.max and not self.closed do
          local nc, a, err = s:accept()
          if not nc then
            if SCARCE[err] then resume_at = now() + backoff(self) end
            break
          end
          accepted(self, nc)
          conns[#conns + 1], addrs[nc] = nc, a
        end
      else
        local ok, keep = call(self, "handler", self.handler, c, addrs[c])
        if not ok or keep == false or not isopen(c) then done[c] = true end
      end
    end
    if next(done) then
      local kept = {}
      for _, c in ipairs(conns) do
        if done[c] then
          c:close()
          addrs[c] = nil
        else
          kept[#kept + 1] = c
        end
      end
      conns = kept
    end
    self.count = #conns
  end
  for _, c in ipairs(conns) do c:close() end
  self.count = 0
end

-- Coroutine: one task per connection, over lsock.loop. -----------------

local function connection(self, c, a)
  call(self, "handler", self.handler, c, a)
  c:close()
  self.count = self.count - 1
  self.conns[c] = nil
  if self.parked then
    local co = self.parked
    self.parked = nil
    loop.wakeup(co)
  end
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
        self.conns[c] = true
        loop.spawn(connection, self, c, a)
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
  for c in pairs(self.conns) do c:close() end
end

local function datagrams(self)
  local ws, size = self.wsock, self.opts.size or 65535
  local function serve(data, a)
    local ok, reply = call(self, "handler", self.handler, data, a)
    -- The reply goes out on the raw (non-blocking) socket: a peer that
    -- does not read loses it, as in the iterative mode, and never holds
    -- up the replies of other tasks.
    if ok and reply ~= nil and not self.closed then
      call(self, "reply", self.sock.sendto, self.sock, reply, a)
    end
    self.count = self.count - 1
    if self.parked then
      local co = self.parked
      self.parked = nil
      loop.wakeup(co)
    end
  end
  while not self.closed do
    if self.count >= self.max then
      self.parked = coroutine.running()
      loop.suspend()
    else
      local data, a = ws:recvfrom(size)
      if data then
        self.count = self.count + 1
        loop.spawn(serve, data, a)
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
  self.conns = {}
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
    local r = core.select({ s }, nil, waittime(self))
    if r and r[1] and not self.closed then
      local data, a = s:recvfrom(size)
      if data then
        local ok, reply = call(self, "handler", self.handler, data, a)
        if ok and reply ~= nil and not self.closed then
          call(self, "reply", s.sendto, s, reply, a)
        end
      end
    end
  end
end

--- Serve until the server is closed; returns true.
-- @treturn boolean true
-- @usage assert(srv:run())
function Server:run()
  if self.mode == "coroutine" then
    self:start()
    if loop.intask() then
      while not (self.closed and self.count == 0) do loop.sleep(0.01) end
    else
      loop.run(function() return self.closed and self.count == 0 end)
    end
  else
    if self.opts.deadline then self.stopat = now() + self.opts.deadline end
    if self.kind == "udp" then run_udp_iterative(self)
    elseif self.mode == "iterative" then run_iterative(self)
    elseif self.mode == "fork" then run_fork(self)
    else run_select(self) end
  end
  self:close()
  return true
end

Server.__close = Server.close
Server.__tostring = function(self)
  return ("lsock.server(%s %s %s%s)"):format(self.kind, self.mode,
    tostring(self.addr), self.closed and ", closed" or "")
end

return M
