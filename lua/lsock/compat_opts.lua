--- lsock.compat_opts: LuaSocket's option names mapped to lsock's typed
-- options, for lsock.compat's setoption/getoption.  One row per name:
-- level, lsock name, and a kind saying how values are converted.
-- @usage require("lsock.compat_opts").set(sock, "tcp-nodelay", true)
-- @module lsock.compat_opts
local M = {}

local rows = {
  keepalive = { "socket", "keepalive", "bool" },
  reuseaddr = { "socket", "reuseaddr", "bool" },
  reuseport = { "socket", "reuseport", "bool" },
  broadcast = { "socket", "broadcast", "bool" },
  dontroute = { "socket", "dontroute", "bool" },
  linger = { "socket", "linger", "linger" },
  ["recv-buffer-size"] = { "socket", "rcvbuf", "int" },
  ["send-buffer-size"] = { "socket", "sndbuf", "int" },
  error = { "socket", "error", "error" },
  bindtodevice = { "socket", "bindtodevice", "string" },
  ["tcp-nodelay"] = { "tcp", "nodelay", "bool" },
  ["tcp-keepidle"] = { "tcp", "keepidle", "int" },
  ["tcp-keepcnt"] = { "tcp", "keepcnt", "int" },
  ["tcp-keepintvl"] = { "tcp", "keepintvl", "int" },
  ["tcp-defer-accept"] = { "tcp", "defer_accept", "int" },
  ["tcp-fastopen"] = { "tcp", "fastopen", "int" },
  ["tcp-fastopen-connect"] = { "tcp", "fastopen_connect", "bool" },
  ["ipv6-v6only"] = { "ipv6", "v6only", "bool" },
  ["ip-multicast-ttl"] = { "ip", "multicast_ttl", "int" },
  ["ip-multicast-loop"] = { "ip", "multicast_loop", "bool" },
  ["ip-multicast-if"] = { "ip", "multicast_if", "string" },
  ["ip-add-membership"] = { "ip", "add_membership", "mreq" },
  ["ip-drop-membership"] = { "ip", "drop_membership", "mreq" },
  ["ipv6-unicast-hops"] = { "ipv6", "unicast_hops", "int" },
  ["ipv6-multicast-hops"] = { "ipv6", "multicast_hops", "int" },
  ["ipv6-multicast-loop"] = { "ipv6", "multicast_loop", "bool" },
  ["ipv6-multicast-if"] = { "ipv6", "multicast_if", "int" },
  ["ipv6-add-membership"] = { "ipv6", "join_group", "mreq6" },
  ["ipv6-drop-membership"] = { "ipv6", "leave_group", "mreq6" },
}
M.rows = rows

local function fail(what, msg)
  return nil, msg or (what .. " failed")
end

--- Sets option `name` on lsock socket `s` from a LuaSocket value: `1`.
-- @tparam socket s an lsock socket
-- @tparam string name a LuaSocket option name
-- @param value LuaSocket's value for it
-- @treturn int 1
-- @return[2] nil, err
-- @usage opts.set(sock, "tcp-nodelay", true)
function M.set(s, name, value)
  local row = rows[name]
  if not row then error("bad argument #2 to 'setoption' (unsupported option `" ..
      tostring(name) .. "')", 3) end
  local kind = row[3]
  if kind == "bool" then value = not not value
  elseif kind == "linger" then
    if type(value) ~= "table" then error("bad argument #3 to 'setoption' (table expected)", 3) end
    value = { onoff = not not value.on, linger = math.tointeger(value.timeout) or 0 }
  elseif kind == "int" then value = math.tointeger(tonumber(value)) or 0
  elseif kind == "mreq" then
    local ifc = value.interface
    if ifc == "*" then ifc = "0.0.0.0" end
    value = { multiaddr = value.multiaddr, interface = ifc }
  elseif kind == "mreq6" then
    value = { multiaddr = value.multiaddr, interface = math.tointeger(value.interface) or 0 }
  elseif kind == "string" and name == "ip-multicast-if" and value == "*" then
    value = "0.0.0.0"
  end
  local ok, msg = s:setsockopt(row[1], row[2], value)
  if not ok then return fail("setsockopt", msg) end
  return 1
end

--- Reads option `name` of lsock socket `s` as LuaSocket gives it.
-- @tparam socket s an lsock socket
-- @tparam string name a LuaSocket option name
-- @return the value as LuaSocket gives it
-- @return[2] nil, err
-- @usage local on = opts.get(sock, "keepalive")
function M.get(s, name)
  local row = rows[name]
  if not row then error("bad argument #2 to 'getoption' (unsupported option `" ..
      tostring(name) .. "')", 3) end
  local v, msg = s:getsockopt(row[1], row[2])
  if v == nil then return fail("getsockopt", msg) end
  local kind = row[3]
  if kind == "linger" then return { on = v.onoff, timeout = v.linger } end
  if kind == "error" then
    if v == 0 or v == false then return nil end
    local text = require("lsock.core").strerror(v)
    return text
  end
  if kind == "bool" and type(v) == "number" then return v ~= 0 end
  return v
end

return M
