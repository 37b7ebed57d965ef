-- Internal helpers of the lsock Lua modules: argument checks that raise
-- as luaL_argerror does, and the address tests tcp and udp share.
-- Not part of the public API.
local M = {}

-- Raises "bad argument #n to 'fname' (msg)" at the public function's
-- caller, the message C functions give for misuse.
function M.argerror(n, fname, msg)
  error(("bad argument #%d to '%s' (%s)"):format(n, fname, msg), 3)
end

local function typename(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and type(mt.__name) == "string" and mt.__name
         or type(v)
end

-- The names of an `expected` list, as a set: made once per list (the
-- lists are the callers' literals).
local sets = {}
local function nameset(expected)
  local set = {}
  for want in expected:gmatch("[^|]+") do set[want] = true end
  sets[expected] = set
  return set
end

-- Checks that v's type is one of the '|'-separated names in `expected`
-- ("table|nil", "string", "function", "lsock.socket"...).
function M.checktype(v, expected, n, fname)
  local t = type(v)
  if t == expected then return v end
  local set = sets[expected] or nameset(expected)
  if set[t] or set[typename(v)] then return v end
  error(("bad argument #%d to '%s' (%s expected, got %s)")
        :format(n, fname, expected:gsub("|", " or "), typename(v)), 3)
end

-- Whether v has the type `want` names: a Lua type, "integer", "any" or a
-- userdata's __name ("lsock.sockaddr").
local function hastype(v, want)
  if want == "any" then return true end
  if want == "integer" then return math.type(v) == "integer" end
  return want == type(v) or want == typename(v)
end

-- Checks an options table (argument n of fname): every key must be one
-- of `known`, whose values say what the option takes: a string of
-- '|'-separated types ("number|string", "lsock.sockaddr|table"), or a
-- table { types, min = , max = , above = , oneof = {...} } for ranges.
-- nil (an absent option) always passes; a number option is never NaN.
-- Returns a plain copy of the checked options (so a metatable on opts
-- cannot hand out unchecked values later), {} for nil; raises at the
-- public function's caller (level: 3 unless told), naming the option.
function M.checkopts(opts, known, n, fname, level)
  level = level or 3
  if opts == nil then return {} end
  local function fail(msg)
    error(("bad argument #%d to '%s' (%s)"):format(n, fname, msg), level + 1)
  end
  if type(opts) ~= "table" then
    fail("table expected, got " .. typename(opts))
  end
  -- next, not pairs: a __pairs metamethod cannot hide a key.
  local copy = {}
  for k, v in next, opts do
    copy[k] = v
    local spec = type(k) == "string" and known[k]
    if not spec then
      fail(("unknown option '%s'"):format(tostring(k)))
    end
    local types = type(spec) == "table" and spec[1] or spec
    local okt = false
    for want in types:gmatch("[^|]+") do
      if hastype(v, want) then okt = true break end
    end
    if not okt then
      fail(("option '%s': %s expected, got %s")
           :format(k, types:gsub("|", " or "), typename(v)))
    end
    if type(v) == "number" then
      if v ~= v then fail(("option '%s' is NaN"):format(k)) end
      if type(spec) == "table" then
        if spec.min and v < spec.min then
          fail(("option '%s' must be at least %s"):format(k, spec.min))
        end
        if spec.above and v <= spec.above then
          fail(("option '%s' must be above %s"):format(k, spec.above))
        end
        if spec.max and v > spec.max then
          fail(("option '%s' must be at most %s"):format(k, spec.max))
        end
      end
    end
    if type(spec) == "table" and spec.oneof and type(v) == "string" then
      local found = false
      for _, name in ipairs(spec.oneof) do
        if v == name then found = true break end
      end
      if not found then
        fail(("option '%s': unknown value '%s'"):format(k, v))
      end
    end
  end
  return copy
end

-- The largest size the recv calls take (csrc/socket.c: INT_MAX).
M.MAXSIZE = 0x7fffffff

-- Whether v is an lsock.sockaddr.
function M.issockaddr(v)
  local mt = type(v) == "userdata" and getmetatable(v)
  return mt and mt.__name == "lsock.sockaddr" or false
end

-- A family option as the name sockaddr.family uses (nil: any family).
function M.famname(f)
  local core = require "lsock.core"
  if f == core.AF_INET then return "inet" end
  if f == core.AF_INET6 then return "inet6" end
  if f == "unspec" or f == core.AF_UNSPEC then return nil end
  return f
end

-- Is path a socket file?  Opening one fails with ENXIO on Linux (and
-- EOPNOTSUPP on the BSDs), which tells it from any other kind of file
-- without a stat binding; "r+" never blocks on a FIFO.
local function issocketfile(path)
  local errno = require("lsock.core").errno
  local f, _, code = io.open(path, "r+")
  if f then f:close() return false end
  return code == errno.ENXIO or code == errno.EOPNOTSUPP
end

-- Whether path is a socket file left by a dead server: a socket file
-- (never a regular file or directory) that refuses a connect of type
-- stype, tried with a timeout so that a live server with a full backlog
-- does not block the caller.
function M.stalesocket(path, stype)
  local core = require "lsock.core"
  if not issocketfile(path) then return false end
  local probe = core.socket("unix", stype)
  if not probe then return false end
  probe:settimeout(1)
  local _, _, code = probe:connect(path)
  probe:close()
  return code == core.errno.ECONNREFUSED
end

-- The one socket builder of the helper modules: socket(family, stype),
-- then each step of plan in order while they succeed.  A step is a
-- function(s) or a call made with M.step; the first failure closes the
-- socket and gives its nil, msg, errno.  Returns the socket.
function M.build(family, stype, plan)
  local core = require "lsock.core"
  local s, msg, code = core.socket(family, stype)
  if not s then return nil, msg, code end
  for i = 1, #plan do
    local p = plan[i]
    local ok
    if type(p) == "function" then ok, msg, code = p(s)
    else ok, msg, code = s[p[1]](s, table.unpack(p, 2, p.n)) end
    if not ok then
      s:close()
      return nil, msg, code
    end
  end
  return s
end

-- A step of build: the method name and its arguments (nils kept).
function M.step(name, ...)
  return { name, n = select("#", ...) + 1, ... }
end

-- Appends to plan the socket options every helper knows, in one order:
-- reuseaddr, reuseport, broadcast (when true), v6only (inet6 only; a
-- dual-stack socket turns it off unless opts.v6only says otherwise).
function M.sockopts(plan, family, opts, dualstack)
  local step = M.step
  if opts.reuseaddr then plan[#plan + 1] = step("setsockopt", "socket", "reuseaddr", true) end
  if opts.reuseport then plan[#plan + 1] = step("setsockopt", "socket", "reuseport", true) end
  if opts.broadcast then plan[#plan + 1] = step("setsockopt", "socket", "broadcast", true) end
  if family == "inet6" or family == require("lsock.core").AF_INET6 then
    local v6only = opts.v6only
    if v6only == nil and dualstack then v6only = false end
    if v6only ~= nil then plan[#plan + 1] = step("setsockopt", "ipv6", "v6only", v6only) end
  end
  return plan
end

return M
