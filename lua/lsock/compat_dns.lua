--- lsock.compat_dns: LuaSocket's `socket.dns` table over lsock's
-- getaddrinfo/getnameinfo, with LuaSocket's result shapes.
-- @usage local dns = require("lsock.compat").dns; print(dns.toip("localhost"))
-- @module lsock.compat_dns
local core = require "lsock.core"

local M = {}

-- LuaSocket's wording for the getaddrinfo codes (gai_strerror's, in
-- lower case): compat's connect/bind errors use it too.
local gai = {}
for name, text in pairs {
  EAI_AGAIN = "temporary failure in name resolution",
  EAI_BADFLAGS = "invalid value for ai_flags",
  EAI_FAIL = "non-recoverable failure in name resolution",
  EAI_FAMILY = "ai_family not supported",
  EAI_MEMORY = "memory allocation failure",
  EAI_NONAME = "host or service not provided, or not known",
  EAI_SERVICE = "service not supported for socket type",
  EAI_SOCKTYPE = "ai_socktype not supported",
} do
  if core[name] then gai[core[name]] = text end
end

--- LuaSocket's text for a getaddrinfo failure (lsock's message otherwise).
-- @tparam string msg lsock's message
-- @tparam int code the EAI code
-- @treturn string the text LuaSocket gives
-- @usage local text = compat.dns.gaitext(msg, code)
function M.gaitext(msg, code) return gai[code] or msg end
local function err(msg, code) return nil, gai[code] or msg end

local function isip(s)
  return core.inet_pton("inet", s) ~= nil or core.inet_pton("inet6", s) ~= nil
end

-- LuaSocket's resolved table: {name=, alias={}, ip={}}.
local function resolved(name, ips)
  return { name = name, alias = {}, ip = ips }
end

--- The first IPv4 address of a name, and the resolved table.
-- @tparam string name host name or address
-- @treturn string the address
-- @treturn table `{name=, alias=, ip=}`
-- @return[2] nil, err
-- @usage local ip = compat.dns.toip("localhost")
function M.toip(name)
  local res, msg, code = core.getaddrinfo(name, nil,
    { family = "inet", socktype = "stream", flags = core.AI_CANONNAME })
  if not res then return err(msg, code) end
  local ips = {}
  for _, ai in ipairs(res) do ips[#ips + 1] = ai.addr.host end
  return ips[1], resolved(res[1].canonname or name, ips)
end

--- The canonical name of an address or name, and the resolved table.
-- @tparam string addr an address or name
-- @treturn string the canonical name
-- @treturn table `{name=, alias=, ip=}`
-- @return[2] nil, err
-- @usage local name = compat.dns.tohostname("127.0.0.1")
function M.tohostname(addr)
  local ip = addr
  if not isip(addr) then
    local r, msg = M.toip(addr)
    if not r then return nil, msg end
    ip = r
  end
  local a = core.addr(ip, 0)
  if not a then return nil, "host or service not provided, or not known" end
  local host, msg, code = core.getnameinfo(a, core.NI_NAMEREQD)
  if not host then return err(msg, code) end
  return host, resolved(host, { ip })
end

--- The machine's host name.
-- @treturn string the host name
-- @return[2] nil, err
-- @usage print(compat.dns.gethostname())
function M.gethostname()
  return core.gethostname()
end

--- Every address of host (service `port`): array of `{family=, addr=}`
-- with `"inet"`/`"inet6"` and the address text, as LuaSocket.
-- @tparam string host
-- @tparam[opt] int|string port service
-- @treturn table array of `{family=, addr=}`
-- @return[2] nil, err
-- @usage for _, a in ipairs(compat.dns.getaddrinfo("localhost")) do print(a.addr) end
function M.getaddrinfo(host, port)
  local res, msg, code = core.getaddrinfo(host, port and tostring(port) or nil,
    { socktype = "stream" })
  if not res then return err(msg, code) end
  local out = {}
  for _, ai in ipairs(res) do
    out[#out + 1] = { family = ai.addr.family, addr = ai.addr.host }
  end
  return out
end

--- Names for an address and/or port: array of host names, array of
-- service names.
-- @tparam[opt] string host an address
-- @tparam[opt] int|string port a port
-- @treturn table array of host names
-- @treturn table array of service names
-- @return[2] nil, err
-- @usage local names, servs = compat.dns.getnameinfo("127.0.0.1", 80)
function M.getnameinfo(host, port)
  local a
  if host then
    if isip(host) then a = core.addr(host, tonumber(port) or 0)
    else
      local ip, msg = M.toip(host)
      if not ip then return nil, msg end
      a = core.addr(ip, tonumber(port) or 0)
    end
  else
    a = core.addr("127.0.0.1", tonumber(port) or 0)
  end
  local h, s, code = core.getnameinfo(a)
  if not h then return err(s, code) end
  return host and { h } or nil, port and { s } or nil
end

return M
