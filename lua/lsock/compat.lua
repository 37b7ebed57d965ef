--- lsock.compat: LuaSocket 3's `socket.core` API over lsock, so code
-- written for LuaSocket (and LuaSocket's own pure-Lua modules) runs
-- unchanged.  Objects are Lua tables around an lsock socket that is made
-- on the first bind/connect (`getfd()` is -1 before); LuaSocket's class
-- names (`tcp{master}` ...) are kept as one metatable per class, because
-- programs read them through `class` and `tostring`.  Receives go through
-- a buffer of our own (lsock.stream's C buffer, at `[1]` of a client),
-- which is what `dirty()` reports; receive and send are C closures
-- (csrc/stream.c) that answer from that buffer and try non-blocking calls
-- first, and leave waiting, errors and the rarer patterns to the Lua code.
-- @usage require("lsock.compat").install(); local http = require "socket.http"
-- @module lsock.compat
local core = require "lsock.core"

local E = core.errno
local EAGAIN = E.EAGAIN
local monotime, sockselect = core.monotime, core.select
local find, sub, gsub = string.find, string.sub, string.gsub
local cstream = core._stream
local newbuf = cstream.buffer
local concat = table.concat

local M = {}

M._VERSION = "LuaSocket 3.0.0 (lsock.compat)"
M._SETSIZE = 1 << 20    -- no real ceiling: select uses poll underneath
M._DATAGRAMSIZE = 8192
M._SOCKETINVALID = -1
M.BLOCKSIZE = 2048

local BUFSIZE = 65536
local UNSPEC = core.addr { family = "unspec" }

---------------------------------------------------------------- errors

-- LuaSocket's wording for the errno values programs compare against.
local wording = {
  [E.EADDRINUSE] = "address already in use", [E.EISCONN] = "already connected",
  [E.EACCES] = "permission denied", [E.ECONNREFUSED] = "connection refused",
  [E.ECONNABORTED] = "closed", [E.ECONNRESET] = "closed", [E.EPIPE] = "closed",
  [E.ETIMEDOUT] = "timeout", [E.EAGAIN] = "timeout",
  [E.EINPROGRESS] = "timeout",
}
local function errtext(msg, code)
  return wording[code] or msg
end

local dns = require "lsock.compat_dns"
local gaierr = dns.gaitext

---------------------------------------------------------------- classes

local methods = {}
local classes = {}
local function class(name)
  local mt = { __name = name,
    __index = setmetatable({ class = name }, { __index = methods }) }
  mt.__tostring = function(self)
    return name .. ": " .. (("%p"):format(self))
  end
  classes[name] = mt
  return mt
end
local MASTER, CLIENT, SERVER = class "tcp{master}", class "tcp{client}",
  class "tcp{server}"
local UNCONN, CONN = class "udp{unconnected}", class "udp{connected}"
local UMASTER, UCLIENT, USERVER = class "unixstream{master}",
  class "unixstream{client}",
  class "unixstream{server}"

-- Which classes each method accepts (as LuaSocket's checkclass/checkgroup).
local groups = {
  tcp = { [MASTER] = 1, [CLIENT] = 1, [SERVER] = 1, [UMASTER] = 1,
    [UCLIENT] = 1, [USERVER] = 1 },
  udp = { [UNCONN] = 1, [CONN] = 1 },
  any = {},
  client = { [CLIENT] = 1, [UCLIENT] = 1 },
  master = { [MASTER] = 1, [UMASTER] = 1 },
  server = { [SERVER] = 1, [USERVER] = 1 },
  stream = { [CLIENT] = 1, [UCLIENT] = 1, [CONN] = 1, [UNCONN] = 1 },
}
for _, mt in pairs(classes) do groups.any[mt] = 1 end

local expected = { tcp = "tcp{any}", udp = "udp{any}", any = "socket",
  client = "tcp{client}", master = "tcp{master}", server = "tcp{server}",
  stream = "tcp{client}" }

local function check(self, group, fname)
  local mt = getmetatable(self)
  if not groups[group][mt] then
    local got = type(mt) == "table" and classes[mt.__name] and mt.__name
      or type(self)
    error(("bad argument #1 to '%s' (%s expected, got %s)"):format(fname,
      expected[group], got), 3)
  end
  return self
end

-- An object's fields, in its array part (made whole by the constructor:
-- no rehash as they are set, and cheaper to make and collect than the
-- same fields by name): [1] the C buffer (clients and UDP; csrc/stream.c
-- reads it there), the lsock socket (csrc/stream.c too), the family
-- asked for (nil: any), the kind ("tcp", "udp", "unix"), the block and
-- total timeouts (-1: none), the timeout last given to the socket (false:
-- unknown), bytes in and out counted in Lua, the time of birth, and
-- whether the socket was bound or connected (no other family is tried).
-- (csrc/compatobj.c reads them at the same indices.)
local SOCK <const>, FAMILY <const>, KIND <const>, BLOCK <const> = 2, 3, 4, 5
local TOTAL <const>, CORET <const>, RX <const>, TX <const> = 6, 7, 8, 9
local BIRTH <const>, FIXED <const> = 10, 11
M._SOCK = SOCK   -- for compat_select

local function newobj(mt, family, kind)
  return setmetatable({ nil, nil, family, kind, -1, -1, false, 0, 0,
    monotime(), nil }, mt)
end

-- The lsock socket, made now if needed in the family given.
local function ensure(self, family)
  if self[SOCK] then return self[SOCK] end
  local stype = self[KIND] == "udp" and "dgram" or "stream"
  local s, msg, code = core.socket(family or self[FAMILY] or "inet", stype)
  if not s then return nil, errtext(msg, code) end
  if self[KIND] == "unix" then s:settimeout(nil) end
  self[SOCK], self[CORET] = s, false
  return s
end

---------------------------------------------------------------- timeouts

-- LuaSocket's timeout_getretry: what is left to wait, -1 for ever.
local function retry(self, start)
  local b, t = self[BLOCK], self[TOTAL]
  if t < 0 then return b end
  local left = start and t - (monotime() - start) or t
  if left < 0 then left = 0 end
  if b < 0 or left < b then return left end
  return b
end

-- Sets the lsock socket's own timeout to `r` (cached: no call when same).
local function arm(self, s, r)
  if r ~= self[CORET] then
    s:settimeout(r >= 0 and r or nil)
    self[CORET] = r
  end
end

---------------------------------------------------------------- constructors

-- tcp() and udp() make no descriptor until bind/connect (the family is
-- not known yet); tcp4() and the others make theirs at once, as
-- LuaSocket's do.
local function tcpfactory(family)
  return function()
    local o = newobj(MASTER, family, "tcp")
    if family then
      local ok, err = ensure(o, family)
      if not ok then return nil, err end
    end
    return o
  end
end
local function udpfactory(family)
  return function()
    local o = newobj(UNCONN, family, "udp")
    o[1] = newbuf(1)  -- maxline 1 marks a UDP object's buffer: counts only
    if family then
      local ok, err = ensure(o, family)
      if not ok then return nil, err end
    end
    return o
  end
end

--- A TCP master object of no family yet (LuaSocket's `socket.tcp`).
-- @treturn table master object (`getfd()` is -1 until bind/connect)
-- @usage local c = compat.tcp(); assert(c:connect("127.0.0.1", port))
-- @function tcp
M.tcp = tcpfactory(nil)
--- A TCP master object for IPv4.
-- @treturn table master object
-- @usage local c = compat.tcp4()
-- @function tcp4
M.tcp4 = tcpfactory("inet")
--- A TCP master object for IPv6.
-- @treturn table master object
-- @usage local c = compat.tcp6()
-- @function tcp6
M.tcp6 = tcpfactory("inet6")
--- An unconnected UDP object (LuaSocket's `socket.udp`).
-- @treturn table udp object
-- @usage local u = compat.udp(); u:setsockname("127.0.0.1", 0)
-- @function udp
M.udp = udpfactory(nil)
--- An unconnected UDP object for IPv4.
-- @treturn table udp object
-- @usage local u = compat.udp4()
-- @function udp4
M.udp4 = udpfactory("inet")
--- An unconnected UDP object for IPv6.
-- @treturn table udp object
-- @usage local u = compat.udp6()
-- @function udp6
M.udp6 = udpfactory("inet6")

---------------------------------------------------------------- addresses

-- getaddrinfo's answers; those for numeric hosts (which cannot change)
-- are kept, a few hundred at most, so that a connect loop does not ask
-- again each time.
-- numeric[fam .. socktype (.. "p")][host][port] = answers
local numeric, nnumeric = {}, 0
local kinds = {}
for _, f in ipairs { "inet", "inet6", "unspec" } do
  kinds[f] = { dgram = { [true] = f .. "dgramp", [false] = f .. "dgram" },
    stream = { [true] = f .. "streamp", [false] = f .. "stream" } }
end
local function resolve(host, port, fam, socktype, passive)
  local byport
  if host and (find(host, "^[%d.]+$") or find(host, ":", 1, true)) then
    local kind = kinds[fam][socktype][passive]
    local byhost = numeric[kind]
    if not byhost then byhost = {}; numeric[kind] = byhost end
    byport = byhost[host]
    if not byport then byport = {}; byhost[host] = byport end
    local res = byport[port]
    if res then return res end
  end
  local res, msg, code = core.getaddrinfo(host, tostring(port),
    { family = fam, socktype = socktype,
      flags = passive and core.AI_PASSIVE or nil })
  if res and byport then
    if nnumeric >= 256 then numeric, nnumeric = {}, 0 end
    byport[port], nnumeric = res, nnumeric + 1
  end
  return res, msg, code
end

-- Tries each getaddrinfo answer for host, port with
-- fn(sock, addr, self, extra).  A socket that failed is closed, unless
-- `keep` (connect, as LuaSocket's inet_tryconnect): then it is kept for
-- the next answer of its family and after the last, and a zero timeout
-- stops at the first answer (a non-blocking connect goes on).
local function eachaddr(self, host, port, passive, fn, extra, keep)
  if self[KIND] == "unix" then
    local s, err = ensure(self, "unix")
    if not s then return nil, err end
    return fn(s, host, self, extra)
  end
  if host == "*" then host = nil end
  local fam = self[SOCK] and self[SOCK]:family() or self[FAMILY]
  if fam == "inet" and host == nil and passive then host = "0.0.0.0" end
  if fam == "inet6" and host == nil and passive then host = "::" end
  local res, msg, code = resolve(host, port, fam or "unspec",
    self[KIND] == "udp" and "dgram" or "stream", passive)
  if not res then return nil, gaierr(msg, code) end
  local err = "host or service not provided, or not known"
  for _, ai in ipairs(res) do
    local family = ai.addr.family
    local old = self[SOCK]
    if keep and old and not self[FIXED] and old:family() ~= family then
      old:close(); self[SOCK] = nil
    end
    local s, e = ensure(self, family)
    if not s then return nil, e end
    local ok, e2 = fn(s, ai.addr, self, extra)
    if ok then return ok end
    err = e2
    if keep then
      if retry(self, extra) == 0 then break end
    elseif not self[FIXED] then
      s:close(); self[SOCK] = nil
    end
  end
  return nil, err
end

local function addrparts(a)
  if a.family == "unix" then return a.path end
  return a.host, math.tointeger(a.port), a.family
end

---------------------------------------------------------------- methods

-- Binds the object to a local address (`"*"` any); `1` or `nil, err`.
-- Binds to host, port; LuaSocket's tcp bind sets reuseaddr first.
local function bindto(self, host, port, reuse)
  return eachaddr(self, host, port or 0, true, function(s, addr)
    if reuse then s:setsockopt("socket", "reuseaddr", true) end
    local ok, msg, code = s:bind(addr)
    if not ok then return nil, errtext(msg, code) end
    self[FIXED] = true
    return 1
  end)
end

function methods:bind(host, port)
  check(self, "tcp", "bind")
  return bindto(self, host, port, self[KIND] ~= "unix")
end

-- Makes a bound master a server (`tcp{server}`).
function methods:listen(backlog)
  check(self, "master", "listen")
  local s, err = ensure(self)
  if not s then return nil, err end
  local ok, msg, code = s:listen(backlog or 32)
  if not ok then return nil, errtext(msg, code) end
  setmetatable(self, self[KIND] == "unix" and USERVER or SERVER)
  return 1
end

-- One connect attempt (eachaddr's fn): `1` or `nil, err`.
local function connectto(s, addr, self, start)
  arm(self, s, retry(self, start))
  local r, msg, code = s:connect(addr)
  if not r and code == E.EISCONN then r = true end
  if not r then return nil, errtext(msg, code) end
  return 1
end

-- Connects (a master becomes a client); `1` or `nil, err`.
function methods:connect(host, port)
  check(self, "tcp", "connect")
  if getmetatable(self) == SERVER then
    error("bad argument #1 to 'connect' (tcp{master} expected)", 2)
  end
  local unix = self[KIND] == "unix"
  local ok, err = eachaddr(self, host, port, false, connectto,
    self[TOTAL] >= 0 and monotime() or nil, not unix)
  -- A TCP master is a client from its first connect on, connected or
  -- not, as in LuaSocket: copas waits for a non-blocking connect that
  -- said "timeout" and then connects again.
  if ok or not unix then
    setmetatable(self, unix and UCLIENT or CLIENT)
    if not self[1] then
      self[1] = newbuf(math.maxinteger)
      self[1]:settimeouts(self[BLOCK], self[TOTAL])
    end
  end
  return ok, err
end

-- Waits for a connection; the new `tcp{client}`, or `nil, err`.
function methods:accept()
  check(self, "server", "accept")
  local s = self[SOCK]
  if not s then return nil, "closed" end
  arm(self, s, retry(self))
  local c, msg, code = s:accept()
  if not c then return nil, errtext(msg, code) end
  local o = newobj(self[KIND] == "unix" and UCLIENT or CLIENT,
    c:family(), self[KIND])
  o[SOCK] = c
  o[1] = newbuf(math.maxinteger)
  return o
end

local function closed(start, prefix)
  if M._DEBUG then return nil, "closed", prefix or "", monotime() - start end
  return nil, "closed", prefix or ""
end

-- Reads more from the socket into the buffer b: true, or nil, err.
local function fill(self, s, b, start)
  arm(self, s, retry(self, start))
  local data, msg, code = s:recv(BUFSIZE)
  if not data then
    if code == EAGAIN then return nil, "timeout" end
    return nil, errtext(msg, code)
  end
  if data == "" then return nil, "closed" end
  b:append(data)
  return true
end

local function result(start, data, err, partial)
  if M._DEBUG then return data, err, partial, monotime() - start end
  return data, err, partial
end

--- Reads by pattern: `"*l"` (default; a line, every `\r` dropped), `"*a"`
-- (to the end), or a count; `prefix` is put in front.  On timeout or close
-- `nil, err, partial`.  (The C closure made below answers from the buffer
-- first; this is what it hands over to.)
-- @usage local line, err, partial = c:receive()
local STREAM = groups.stream

local function receive(self, pattern, prefix)
  if not STREAM[getmetatable(self)] then check(self, "stream", "receive") end
  local start = monotime()
  local s = self[SOCK]
  if not s then return closed(start, prefix) end
  if self[KIND] == "udp" then return self:_dgram(start, pattern) end
  local b = self[1]
  pattern = pattern or "*l"
  local parts = { prefix or "" }
  if pattern == "*l" or pattern == "l" then
    while true do
      local line = b:crline()
      if line then
        parts[2] = line
        return result(start, concat(parts))
      end
      local ok, err = fill(self, s, b, start)
      if not ok then
        parts[2] = gsub(b:take(b:len()), "\r", "")
        return result(start, nil, err, concat(parts))
      end
    end
  elseif pattern == "*a" or pattern == "a" then
    while true do
      local ok, err = fill(self, s, b, start)
      if not ok then
        parts[2] = b:take(b:len())
        -- At the end: success if any bytes came (LuaSocket's recvall).
        if err == "closed" and #parts[2] > 0 then
          return result(start, concat(parts))
        end
        return result(start, nil, err, concat(parts))
      end
    end
  end
  local n = tonumber(pattern)
  if not n then error("bad argument #1 to 'receive' (invalid receive pattern)", 2) end
  n = math.floor(n) - #parts[1]
  while b:len() < n do
    local ok, err = fill(self, s, b, start)
    if not ok then
      parts[2] = b:take(b:len())
      return result(start, nil, err, concat(parts))
    end
  end
  parts[2] = b:take(n)
  return result(start, concat(parts))
end

-- Sends `data:sub(i, j)`; the index of the last byte sent, or
-- `nil, err, last` (the last byte sent before the error).
local function send(self, data, i, j)
  check(self, "stream", "send")
  local start = monotime()
  local s = self[SOCK]
  local len = #data
  i = i or 1; j = j or -1
  if i < 0 then i = len + i + 1 end
  if i < 1 then i = 1 end
  if j < 0 then j = len + j + 1 end
  if j > len then j = len end
  if not s then
    if M._DEBUG then return nil, "closed", i - 1, monotime() - start end
    return nil, "closed", i - 1
  end
  if self[KIND] == "udp" then
    local n, msg, code = s:send(sub(data, i, j))
    if not n then return nil, errtext(msg, code) end
    self[TX] = self[TX] + n
    return n
  end
  local sent = i - 1
  while sent < j do
    arm(self, s, retry(self, start))
    local n, msg, code = s:send(data, 0, sent + 1, j)
    if not n then
      local err = code == EAGAIN and "timeout" or errtext(msg, code)
      if M._DEBUG then return nil, err, sent, monotime() - start end
      return nil, err, sent
    end
    sent = sent + n
    self[TX] = self[TX] + n
  end
  if M._DEBUG then return sent, nil, nil, monotime() - start end
  return sent
end

-- Sets the block (`"b"`, default) or total (`"t"`) timeout; nil or
-- negative is no limit.
function methods:settimeout(t, mode)
  check(self, "any", "settimeout")
  t = t and tonumber(t) or -1
  if mode == "t" or mode == "r" then self[TOTAL] = t else self[BLOCK] = t end
  local b = self[1]
  if b then b:settimeouts(self[BLOCK], self[TOTAL]) end
  return 1
end

-- The block and total timeouts (-1: none).
function methods:gettimeout()
  return self[BLOCK], self[TOTAL]
end

-- The descriptor, -1 when there is none (not yet created, or closed).
function methods:getfd()
  local s = self[SOCK]
  return s and s:fileno() or -1
end

-- Replaces the descriptor (LuaSec takes it and sets -1): the object
-- stops owning its old one.
function methods:setfd(fd)
  local s = self[SOCK]
  if s then s:detach() end
  self[SOCK] = nil
  if fd and fd >= 0 then self[SOCK] = core.fromfd(math.tointeger(fd)) end
  self[CORET] = false
  return 1
end

-- Whether received bytes wait in the object's buffer (`select` cannot see
-- them).
function methods:dirty()
  local b = self[1]
  return b ~= nil and b:len() > 0
end

-- Bytes in and out counted by the buffer (C receive and send) and by Lua.
local function counts(self)
  local b = self[1]
  if not b then return self[RX], self[TX] end
  local i, o = b:counts()
  return self[RX] + i, self[TX] + o
end

-- Bytes received, bytes sent, age in seconds.
function methods:getstats()
  local rx, tx = counts(self)
  return rx, tx, monotime() - self[BIRTH]
end

-- Sets the counters `getstats` reports.
function methods:setstats(rx, tx, age)
  local b = self[1]
  self[RX], self[TX] = counts(self)
  if b then b:setcounts(0, 0) end
  self[RX] = math.tointeger(rx) or rx or self[RX]
  self[TX] = math.tointeger(tx) or tx or self[TX]
  if age then self[BIRTH] = monotime() - age end
  return 1
end

-- Closes; harmless twice.
function methods:close()
  local s = self[SOCK]
  if s then s:close() end
  self[SOCK] = nil
  local b = self[1]
  if b and b:len() > 0 then b:take(b:len()) end
  return 1
end

-- Shuts down `"both"` (default), `"send"` or `"receive"`.
function methods:shutdown(how)
  check(self, "client", "shutdown")
  local map = { both = "rdwr", send = "wr", receive = "rd" }
  if self[SOCK] then self[SOCK]:shutdown(map[how or "both"] or "rdwr") end
  return 1
end

local function names(self, which)
  local s = self[SOCK]
  if not s then return nil, "closed" end
  local a, msg, code = s[which](s)
  if not a then return nil, errtext(msg, code) end
  return addrparts(a)
end

-- The local address: ip, port, family (the port as a string, as
-- LuaSocket 3.0 gives it).
function methods:getsockname()
  local ip, port, fam = names(self, "getsockname")
  if type(port) == "number" then port = tostring(port) end
  return ip, port, fam
end

-- The peer's address: ip, port, family.
function methods:getpeername()
  if getmetatable(self) == UNCONN then
    error("calling 'getpeername' on bad self (udp{connected} expected)", 2)
  end
  return names(self, "getpeername")
end

-- The family as LuaSocket names it (`"inet4"`, `"inet6"`).
function methods:getfamily()
  local s = self[SOCK]
  local f = s and s:family() or self[FAMILY] or "inet"
  return f == "inet" and "inet4" or f
end

local opts = require "lsock.compat_opts"

-- Sets a LuaSocket-named option (`"tcp-nodelay"`, `"linger"`...): `1`.
function methods:setoption(name, value)
  local s = self[SOCK]
  if not s then return nil, "setsockopt failed" end
  return opts.set(s, name, value)
end

-- Reads a LuaSocket-named option.
function methods:getoption(name)
  local s = self[SOCK]
  if not s then return nil, "getsockopt failed" end
  return opts.get(s, name)
end

---------------------------------------------------------------- udp

function methods:_dgram(start, size)
  local s = self[SOCK]
  arm(self, s, retry(self, start))
  local data, msg, code = s:recv(math.tointeger(size) or M._DATAGRAMSIZE)
  if not data then
    return nil, code == EAGAIN and "timeout" or errtext(msg, code)
  end
  self[RX] = self[RX] + #data
  return data
end

-- Receives a datagram and its sender: data, ip, port.
function methods:receivefrom(size)
  check(self, "udp", "receivefrom")
  local s = self[SOCK]
  if not s then return nil, "closed" end
  arm(self, s, retry(self, monotime()))
  local data, from, code = s:recvfrom(math.tointeger(size) or M._DATAGRAMSIZE)
  if not data then
    return nil, code == EAGAIN and "timeout" or errtext(from, code)
  end
  self[RX] = self[RX] + #data
  return data, addrparts(from)
end

-- One sendto attempt (eachaddr's fn): the bytes sent or `nil, err`.
local function sendone(s, addr, self, data)
  local n, msg, code = s:sendto(data, addr)
  if not n then return nil, errtext(msg, code) end
  self[FIXED] = true
  self[TX] = self[TX] + n
  return n
end

-- Sends a datagram to ip, port: the bytes sent.
function methods:sendto(data, host, port)
  check(self, "udp", "sendto")
  return eachaddr(self, host, port, false, sendone, data)
end

-- Binds a UDP object (`udp:setsockname(ip, port)`).
function methods:setsockname(host, port)
  check(self, "udp", "setsockname")
  return bindto(self, host, port, false)
end

-- Connects a UDP object; `"*"` disconnects it.
function methods:setpeername(host, port)
  check(self, "udp", "setpeername")
  if host == "*" then
    -- Dissolving the association: connect to AF_UNSPEC, as LuaSocket does
    -- (the kernel keeps an explicitly bound address, drops an automatic one).
    local s = self[SOCK]
    if s then
      local ok, msg, code = s:connect(UNSPEC)
      if not ok and code ~= E.EAFNOSUPPORT then return nil, errtext(msg, code) end
    end
    setmetatable(self, UNCONN)
    return 1
  end
  local ok, err = eachaddr(self, host, port, false, function(s, addr)
    local r, msg, code = s:connect(addr)
    if not r then return nil, errtext(msg, code) end
    self[FIXED] = true
    return 1
  end)
  if ok then setmetatable(self, CONN) end
  return ok, err
end

---------------------------------------------------------------- module functions

--- Waits until an object of `recvt` is readable or one of `sendt`
-- writable (LuaSocket's `socket.select`, poll underneath; tables passed
-- unchanged call after call get a cached epoll poller).
-- @treturn table ready readers (an array, and each object a key giving its index)
-- @treturn table ready writers
-- @treturn string `"timeout"` when none is ready
-- @usage local r, w, err = compat.select({srv, c}, nil, 1)
-- @function select
M.select = require("lsock.compat_select").new(M, sockselect)

--- Connects to host, port (after binding to laddress, lport if given),
-- in `family` ("inet", "inet6" or any): a client, or `nil, err`.
-- @tparam string host
-- @tparam int port
-- @tparam[opt] string laddress local address to bind first
-- @tparam[opt] int lport local port
-- @tparam[opt] string family "inet", "inet6" or nil for any
-- @treturn table a client object
-- @return[2] nil, err (LuaSocket's error string)
-- @usage local c = assert(compat.connect("127.0.0.1", port))
function M.connect(host, port, laddress, lport, family)
  local o = newobj(MASTER, family ~= "unspec" and family or nil, "tcp")
  if laddress then
    local ok, err = o:bind(laddress, lport or 0)
    if not ok then o:close(); return nil, err end
  end
  local ok, err = o:connect(host, port)
  if not ok then o:close(); return nil, err end
  return o
end

--- Waits `s` seconds.
-- @tparam number s seconds
-- @treturn nil
-- @usage compat.sleep(0.1)
function M.sleep(s)
  s = tonumber(s) or 0
  if s > 0 then core.sleep(s) end
end

local walltime = core.gettime or cstream.walltime
--- Seconds since the epoch, with a fraction (the wall clock).
-- @treturn number seconds since the epoch
-- @usage local t0 = compat.gettime()
function M.gettime()
  return walltime()
end

--- Returns its arguments after the first `n`.
-- @tparam int n how many arguments to drop
-- @param ... the arguments
-- @return the arguments after the first n
-- @usage local b = compat.skip(1, "a", "b")
function M.skip(n, ...)
  return select(n + 1, ...)
end

M.dns = dns
-- Try errors carry this metatable, so protect tells them from others.
local TRY = { __name = "try error", __tostring = function(e) return tostring(e[1]) end }

--- A try function: returns its arguments when the first is true, else
-- calls `finalizer` and raises the second as a try error.
-- @tparam[opt] function finalizer called before a try error is raised
-- @treturn function try(ok, err, ...) returning its arguments or raising
-- @usage local try = compat.newtry(function() sock:close() end)
function M.newtry(finalizer)
  return function(...)
    local ok = ...
    if ok then return ... end
    if finalizer then pcall(finalizer) end
    error(setmetatable({ (select(2, ...)) }, TRY), 0)
  end
end

--- Wraps `fn` so try errors come back as `nil, err`; other errors are
-- raised again.
-- @tparam function fn the function to protect
-- @treturn function fn's results, or nil, err for a try error
-- @usage local get = compat.protect(function(url) return try(fetch(url)) end)
function M.protect(fn)
  return function(...)
    local r = table.pack(pcall(fn, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    local e = r[2]
    if getmetatable(e) == TRY then return nil, e[1] end
    error(e, 0)
  end
end

--- LuaSocket's plain try: raises a try error when its first argument is
-- nil or false, else returns its arguments.
-- @param ... a result triple (ok, err, ...)
-- @return its arguments when the first is true
-- @usage local n = compat.try(c:send("x"))
-- @function try
M.try = M.newtry()


--- A unix-domain stream master (LuaSocket's `socket.unix`).
-- @treturn table master object
-- @usage local u = compat.unix(); u:connect("/run/x.sock")
function M.unix()
  return newobj(UMASTER, "unix", "unix")
end

--- Makes `require "socket.core"` (and `"socket.unix"`) return compat, so
-- LuaSocket's pure-Lua modules run on lsock; ignores SIGPIPE process-wide
-- as LuaSocket does, unless `opts.sigpipe == "default"`.
-- @tparam[opt] table o `{sigpipe = "default"}` keeps SIGPIPE's disposition
-- @treturn table the compat module
-- @usage require("lsock.compat").install(); local http = require "socket.http"
function M.install(o)
  o = o or {}
  if o.sigpipe ~= "default" and not M._sigpipe then
    -- LuaSec writes to the descriptor itself, without MSG_NOSIGNAL.
    core.signal("SIGPIPE", "ignore")
    M._sigpipe = true
  end
  package.loaded["socket.core"] = M
  local unix = setmetatable({ stream = M.unix }, { __call = function() return M.unix() end })
  package.loaded["socket.unix"] = unix
  return M
end

-- receive and send: C closures over the Lua functions above.  With
-- _DEBUG set (for the elapsed time as an extra result) the Lua functions
-- take their place: M holds _DEBUG behind its metatable to see it set.
local creceive, csend = cstream.compat(receive, send, M)
methods.receive, methods.send = creceive, csend
local debugon
local function setdebug(v)
  debugon = v
  local r, s = creceive, csend
  if v then r, s = receive, send end
  methods.receive, methods.send = r, s
  for _, mt in pairs(classes) do mt.__index.receive, mt.__index.send = r, s end
end

-- connect (numeric hosts), settimeout and close: C closures
-- (csrc/compatobj.c) that do a connection's common case, and hand every
-- other one to the Lua methods above.
local ccompat = core._compat
methods.connect = ccompat.connect(methods.connect, MASTER, CLIENT, wording)
methods.settimeout = ccompat.settimeout(methods.settimeout, groups.any)
methods.close = ccompat.close(methods.close)

-- Every class's index table holds the methods itself: one lookup per call.
for _, mt in pairs(classes) do
  for k, f in pairs(methods) do mt.__index[k] = f end
end

M._classes = classes
setmetatable(M, {
  __index = function(_, k) if k == "_DEBUG" then return debugon end end,
  __newindex = function(t, k, v)
    if k == "_DEBUG" then setdebug(v) else rawset(t, k, v) end
  end })
return M
