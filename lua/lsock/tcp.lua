--- lsock.tcp: TCP clients and servers in one call.
-- `connect` is the course's getaddrinfo loop (try every answer) run as
-- RFC 8305 Happy Eyeballs: attempts start 250 ms apart over every
-- address, families interleaved, under one overall deadline; `listen`
-- makes a dual-stack listener.
-- @usage local l = assert(lsock.tcp.listen("127.0.0.1", 0))
-- local c = assert(lsock.tcp.connect(l:getsockname()))
-- @module lsock.tcp
local lsock = require "lsock"

local ETIMEDOUT = lsock.errno.ETIMEDOUT
local EINPROGRESS = lsock.errno.EINPROGRESS
local EAFNOSUPPORT = lsock.errno.EAFNOSUPPORT

local util = require "lsock.util"
local issockaddr, famname = util.issockaddr, util.famname
local checktype, step = util.checktype, util.step
local wait = require "lsock.waitfor"

local M = {}

--- Seconds between staggered attempts (RFC 8305's Connection Attempt
-- Delay, whose recommended value is 250 ms).
M.attempt_delay = 0.25

-- Attempts in flight at most: RFC 8305 never needs more than a handful.
local MAX_PENDING = 32

-- A local address option: a sockaddr, or {host, port} where a numeric
-- host becomes a sockaddr (fixing the family) and a name or "*" is
-- resolved by bind in each attempt's family.
local function localspec(spec)
  if spec == nil or issockaddr(spec) then return spec end
  if type(spec) ~= "table" then
    error("bad option 'localaddr' (sockaddr or {host, port} expected)", 3)
  end
  local host, port = spec[1] or spec.host or "*", spec[2] or spec.port or 0
  return host ~= "*" and lsock.addr(host, port) or { host, port }
end

-- The resolver: inside a loop task the loop's (a worker thread looks
-- the name up while the task yields), bounded by the call's deadline
-- with loop.timeout; else the plain blocking call, which nothing can
-- bound.  The loop can only be running if it was loaded.
local function resolver(deadline)
  local loop = wait.intask() and package.loaded["lsock.loop"]
  if not loop then return lsock.getaddrinfo end
  local getaddrinfo, timeout = loop.getaddrinfo, loop.timeout
  if not deadline then return getaddrinfo end
  return function(...)
    return timeout(math.max(deadline - lsock.monotime(), 0), getaddrinfo, ...)
  end
end

-- The addresses to try: getaddrinfo's answers for a name, or the given
-- sockaddrs; host may also be an array of names and sockaddrs.
local function candidates(host, port, family, deadline)
  local list, msg, code = {}, nil, nil
  local hosts = (type(host) == "table") and host or { host }
  local getaddrinfo = resolver(deadline)
  for _, h in ipairs(hosts) do
    if issockaddr(h) then
      if not family or h.family == family then list[#list + 1] = h end
    elseif port == nil then
      error("bad argument #2 to 'connect' (port expected)", 3)
    else
      local res, m, c = getaddrinfo(h, port,
        { family = family, socktype = "stream" })
      if res then
        for _, ai in ipairs(res) do list[#list + 1] = ai.addr end
      else
        msg, code = m, c
      end
    end
  end
  if #list == 0 then
    return nil, msg or "no address of the requested family",
      code or EAFNOSUPPORT
  end
  return list
end

-- RFC 8305 section 4: alternate the families, starting with the family
-- of the first answer (getaddrinfo's RFC 6724 sort put it first); each
-- family keeps its own order.
local function interleave(list)
  local first, a, b = list[1].family, {}, {}
  for _, addr in ipairs(list) do
    if addr.family == first then a[#a + 1] = addr else b[#b + 1] = addr end
  end
  if #b == 0 then return list end
  local out = {}
  for i = 1, math.max(#a, #b) do
    out[#out + 1] = a[i]
    out[#out + 1] = b[i]
  end
  return out
end

-- socket, bind, non-blocking connect.  Returns the socket and whether it
-- is connected already, or nil, msg, errno.
local function start(addr, localaddr)
  local plan = {}
  if issockaddr(localaddr) then plan[1] = step("bind", localaddr)
  elseif localaddr then plan[1] = step("bind", localaddr[1], localaddr[2])
  end
  plan[#plan + 1] = step("settimeout", 0)
  local connected = false
  plan[#plan + 1] = function(s)
    local ok, msg, code = s:connect(addr)
    if ok then connected = true return true end
    if code == EINPROGRESS then return true end
    return nil, msg, code
  end
  local s, msg, code = util.build(addr.family, "stream", plan)
  if not s then return nil, msg, code end
  return s, connected
end

local function closeall(list)
  for i = #list, 1, -1 do
    list[i]:close()
    list[i] = nil
  end
end

-- The attempts under way, closed however connect ends (a return, an
-- error, or the task cancelled where it waits): the winner is taken out
-- first, so no losing descriptor outlives the call.
local ATTEMPTS = { __close = closeall }

local function ready(s, pending, opts)
  closeall(pending)
  s:settimeout(nil)
  if opts.nodelay then s:setsockopt("tcp", "nodelay", true) end
  return s
end

local CONNECT_OPTS = {
  timeout = { "number", min = 0 }, family = "string|number",
  localaddr = "lsock.sockaddr|table", ["local"] = "lsock.sockaddr|table",
  nodelay = "boolean",
}

-- {tls = ctx, true or tls.context's keys}: lsock.tls.connect does it all.
local function viatls(host, port, opts)
  local o, t = {}, opts.tls
  for k, v in next, opts do if k ~= "tls" then o[k] = v end end
  if type(t) == "table" then for k, v in next, t do o[k] = v end
  elseif t ~= true then o.context = t end
  return require("lsock.tls").connect(host, port, o)
end

--- Connect to a host by name or address, trying every address.
-- Happy Eyeballs (RFC 8305) over every address: the families alternate
-- (starting with the first answer's), a new attempt starts whenever
-- `attempt_delay` (250 ms) passed without the earlier ones finishing,
-- and at once when one fails; the first to connect wins and the others
-- are closed at once.  A first address that hangs thus costs 250 ms,
-- not the whole timeout.  Inside a loop task names are resolved with
-- `loop.getaddrinfo` (within `timeout`) and every wait yields; outside,
-- the same stagger blocks the process.
-- @tparam string|sockaddr|table host a name, a numeric address, a
--   sockaddr, or an array mixing those (tried in that order, the
--   families interleaved)
-- @tparam integer|string port number or service name: applied to every
--   name and numeric address; a sockaddr keeps its own port (port may
--   be nil when host has no strings)
-- @tparam[opt] table opts `timeout` (seconds for the whole call, >= 0),
--   `family` ("inet", "inet6"), `localaddr` (sockaddr or `{host, port}`
--   to bind first; `["local"]` is an alias), `nodelay` (boolean), `tls`
--   (a client context, true, or a table of tls.context's keys: then the
--   result is a handshaken `lsock.tls` connection over the winning
--   socket, see tls.connect); any other key raises
-- @return a connected socket, in blocking mode
-- @return nil, msg, errno naming the last failure; `"timeout"`,
--   ETIMEDOUT when `timeout` ran out; getaddrinfo's message and EAI code
--   when the name does not resolve
-- @see connect(2), getaddrinfo(3)
-- @usage local s = assert(lsock.tcp.connect("localhost", 8080, {timeout = 5}))
function M.connect(host, port, opts)
  if type(opts) == "table" and opts.tls then return viatls(host, port, opts) end
  checktype(host, "string|lsock.sockaddr|table", 1, "connect")
  local names = type(host) == "string"
  if type(host) == "table" then
    if #host == 0 then util.argerror(1, "connect", "empty address list") end
    for i, a in ipairs(host) do
      if type(a) == "string" then
        names = true
      elseif not issockaddr(a) then
        util.argerror(1, "connect",
          "host string or sockaddr expected at index " .. i)
      end
    end
  end
  if names then
    if port == nil then util.argerror(2, "connect", "port expected") end
    checktype(port, "number|string", 2, "connect")
  end
  opts = util.checkopts(opts, CONNECT_OPTS, 3, "connect")
  local localaddr = localspec(opts.localaddr or opts["local"])
  local family = famname(opts.family)
  if not family and issockaddr(localaddr) then family = localaddr.family end
  local now = lsock.monotime
  local deadline = opts.timeout and now() + opts.timeout   -- for it all
  local list, lastmsg, lastcode = candidates(host, port, family, deadline)
  if not list then return nil, lastmsg, lastcode end
  list = interleave(list)

  local pending <close> = setmetatable({}, ATTEMPTS)   -- attempts under way
  local nexti = 1          -- next address to try
  local nextstart = 0      -- when the next attempt may start
  while true do
    local t = now()
    if #pending == 0 and nexti > #list then
      return nil, lastmsg, lastcode
    end
    -- Once the deadline passed no attempt starts (but the first).
    if deadline and t >= deadline and nexti > 1 then
      return nil, "timeout", ETIMEDOUT
    end
    if nexti <= #list and (#pending == 0
                           or (t >= nextstart and #pending < MAX_PENDING)) then
      local s, connected, code = start(list[nexti], localaddr)
      nexti = nexti + 1
      if not s then
        lastmsg, lastcode = connected, code   -- failed at once: go on
      elseif connected then
        return ready(s, pending, opts)
      else
        pending[#pending + 1] = s
        nextstart = t + M.attempt_delay
      end
    else
      local until_t = deadline
      if nexti <= #list and #pending < MAX_PENDING then
        until_t = math.min(until_t or math.huge, nextstart)
      end
      -- A connect under way finishes when its socket turns writable;
      -- SO_ERROR then tells how it went.  (Inside a loop task the wait
      -- yields.)
      local s, wmsg, wcode = wait.any(pending, wait.W, until_t)
      if not s and wcode ~= ETIMEDOUT then return nil, wmsg, wcode end
      if s then
        for i = 1, #pending do
          if pending[i] == s then table.remove(pending, i); break end
        end
        local err, emsg, ecode = s:getsockopt("socket", "error")
        if err == 0 then return ready(s, pending, opts) end
        s:close()
        if err then lastmsg, lastcode = lsock.strerror(err), err
        else lastmsg, lastcode = emsg, ecode end
        nextstart = 0   -- RFC 8305: a failure starts the next one at once
      end
    end
  end
end

-- socket, options, bind, listen.  bindargs: a sockaddr or host, port.
local function open(family, opts, dualstack, ...)
  local plan = util.sockopts({}, family, {
    reuseaddr = opts.reuseaddr ~= false, reuseport = opts.reuseport,
    v6only = opts.v6only,
  }, dualstack)
  plan[#plan + 1] = step("bind", ...)
  plan[#plan + 1] = step("listen", opts.backlog)
  if opts.timeout then plan[#plan + 1] = step("settimeout", opts.timeout) end
  return util.build(family, "stream", plan)
end

-- listen(2) takes a C int: a larger backlog would raise from s:listen
-- after the socket exists (unix.lua has the same bound).
local LISTEN_OPTS = {
  backlog = { "integer", min = 0, max = 2147483647 }, reuseaddr = "boolean",
  reuseport = "boolean",
  v6only = "boolean", family = "string|number",
  timeout = { "number", min = 0 },
}

--- A listening TCP socket.
-- With no host (or `"*"`) it listens on every interface of both
-- families: an IPv6 socket with `v6only` off, whose IPv4 clients appear
-- as `::ffff:a.b.c.d`; systems without IPv6 get an IPv4 socket instead.
-- A host is resolved with getaddrinfo (AI_PASSIVE) and its answers are
-- tried in order.
-- @tparam[opt] string host a name or numeric address to bind
-- @tparam[opt] integer|string port number or service (0, the default,
--   lets the system choose: read it with `getsockname()`)
-- @tparam[opt] table opts `backlog` (integer, 0 to 2^31 - 1), `reuseaddr` (default
--   true), `reuseport`, `v6only` (booleans), `family` ("inet",
--   "inet6"), `timeout` (seconds >= 0, for accept); any other key raises
-- @return the listening socket, or nil, msg, errno (EADDRINUSE...)
-- @see listen(2), bind(2), ipv6(7)
-- @usage local srv = assert(lsock.tcp.listen(nil, 8080))
function M.listen(host, port, opts)
  checktype(host, "string|lsock.sockaddr|nil", 1, "listen")
  checktype(port, "number|string|nil", 2, "listen")
  opts = util.checkopts(opts, LISTEN_OPTS, 3, "listen")
  port = port or 0
  local family = famname(opts.family)
  if host == nil or host == "*" then
    if family ~= "inet" then
      local s, msg, code = open("inet6", opts, true, "*", port)
      -- Without IPv6 in the kernel, IPv4 alone still serves everyone.
      if s or family == "inet6" or code ~= EAFNOSUPPORT then
        return s, msg, code
      end
    end
    return open("inet", opts, false, "*", port)
  end
  if issockaddr(host) then return open(host.family, opts, false, host) end
  local res, msg, code = lsock.getaddrinfo(host, port,
    { family = family, socktype = "stream", flags = "passive" })
  if not res then return nil, msg, code end
  for _, ai in ipairs(res) do
    local s
    s, msg, code = open(ai.addr.family, opts, false, ai.addr)
    if s then return s end
  end
  return nil, msg, code
end

return M
