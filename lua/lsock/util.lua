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

-- Checks that v's type is one of the '|'-separated names in `expected`
-- ("table|nil", "string", "function", "lsock.socket"...).
function M.checktype(v, expected, n, fname)
  local t = type(v)
  for want in expected:gmatch("[^|]+") do
    if want == t or want == typename(v) then return v end
  end
  error(("bad argument #%d to '%s' (%s expected, got %s)")
        :format(n, fname, expected:gsub("|", " or "), typename(v)), 3)
end

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

return M
