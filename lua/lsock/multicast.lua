--- lsock.multicast: join and leave groups, multicast senders and receivers.
-- IPv4 and IPv6 alike: the family comes from the group (or the socket), and
-- each helper is the setsockopt sequence it replaces, nothing more.
-- An interface is a local IPv4 address (`"10.0.0.1"`), an index (`2`) or a
-- name (`"eth0"`); IPv6 takes an index or a name.
-- @usage local r = assert(lsock.multicast.receiver("225.0.0.10", 7200))
-- @module lsock.multicast
local lsock = require "lsock.core"

local util = require "lsock.util"
local checktype = util.checktype

local M = {}

local function host_of(group)
  if type(group) == "string" then return group end
  return group.host
end

-- The group of receiver and sender (argument 1 of fname) as a family and
-- a numeric host, before any socket exists: a sockaddr must be inet or
-- inet6 (else an argument error); a string must be a numeric address,
-- else nil, getaddrinfo's message and EAI code (never a DNS query).
local function groupof(group, fname)
  if type(group) ~= "string" then
    local f = group.family
    if f ~= "inet" and f ~= "inet6" then
      error(("bad argument #1 to '%s' (inet or inet6 group expected, got %s)")
            :format(fname, tostring(f)), 3)
    end
    return f, group.host
  end
  local res, msg, code = lsock.getaddrinfo(group, nil,
    { socktype = "dgram", flags = "numerichost" })
  if not res then return nil, msg, code end
  return res[1].addr.family, res[1].addr.host
end

-- The option name and value that join or leave `group` on `sock`.
local function membership(sock, joining, group, interface, source)
  group = host_of(group)
  local value = { multiaddr = group, interface = interface, sourceaddr = source }
  if sock:family() == "inet6" then
    if source then
      return "ipv6", joining and "join_source_group" or "leave_source_group", value
    end
    return "ipv6", joining and "join_group" or "leave_group", value
  end
  if source then
    return "ip", joining and "add_source_membership" or "drop_source_membership", value
  end
  return "ip", joining and "add_membership" or "drop_membership", value
end

--- Joins a multicast group on a socket.
-- @param sock a datagram socket of the group's family
-- @tparam string|sockaddr group the group address
-- @param[opt] interface local address, index or name (default: the kernel picks)
-- @tparam[opt] string source only receive from this source (source-specific
--   multicast, IGMPv3/MLDv2)
-- @treturn boolean `true`, or `nil, msg, errno`
-- @see ip(7), ipv6(7)
-- @usage assert(lsock.multicast.join(s, "225.0.0.10", "127.0.0.1"))
function M.join(sock, group, interface, source)
  checktype(sock, "lsock.socket|lsock.loop.socket", 1, "join")
  checktype(group, "string|lsock.sockaddr", 2, "join")
  return sock:setsockopt(membership(sock, true, group, interface, source))
end

--- Leaves a group joined with `join` (same arguments).
-- @tparam socket sock the socket that joined
-- @tparam string|sockaddr group the group address
-- @tparam[opt] string interface the interface given to `join`
-- @tparam[opt] string source the source given to `join`
-- @treturn boolean `true`, or `nil, msg, errno`
-- @usage lsock.multicast.leave(s, "225.0.0.10", "127.0.0.1")
function M.leave(sock, group, interface, source)
  checktype(sock, "lsock.socket|lsock.loop.socket", 1, "leave")
  checktype(group, "string|lsock.sockaddr", 2, "leave")
  return sock:setsockopt(membership(sock, false, group, interface, source))
end

local INTERFACE = "string|integer"
local TIMEOUT = { "number", min = 0 }
local RECEIVER_OPTS = {
  interface = INTERFACE, source = "string", reuseaddr = "boolean",
  reuseport = "boolean", timeout = TIMEOUT,
}
local SENDER_OPTS = {
  ttl = { "integer", min = 0, max = 255 }, loop = "boolean",
  interface = INTERFACE, bind = "table", timeout = TIMEOUT,
}

--- A socket bound to `port` and joined to `group`.
-- The socket is bound to the wildcard address and, where the kernel has
-- it, `multicast_all` is turned off so only the groups joined on this
-- socket are delivered to it.
-- @tparam string|sockaddr group the group address (its family decides)
-- @tparam integer port the port (0: any, read it with getsockname)
-- @tparam[opt] table opts `interface` (address, index or name),
--   `source` (address), `reuseaddr` (default true), `reuseport`,
--   `timeout` (seconds >= 0, see settimeout); any other key raises
-- @return the socket, or `nil, msg, errno`; a group string that is not
--   a numeric address gives getaddrinfo's `nil, msg, EAI code` (as
--   sender does); a sockaddr group of another family than inet/inet6
--   raises
-- @usage local r = assert(lsock.multicast.receiver("225.0.0.10", 7200))
function M.receiver(group, port, opts)
  checktype(group, "string|lsock.sockaddr", 1, "receiver")
  checktype(port, "number", 2, "receiver")
  opts = util.checkopts(opts, RECEIVER_OPTS, 3, "receiver")
  local family, host, code = groupof(group, "receiver")
  if not family then return nil, host, code end
  group = host
  local level = family == "inet6" and "ipv6" or "ip"
  local plan = util.sockopts({}, family, {
    reuseaddr = opts.reuseaddr ~= false, reuseport = opts.reuseport,
  })
  -- Best effort: kernels before 2.6.31 (IPv4) / 4.20 (IPv6) lack it.
  plan[#plan + 1] = function(sock)
    pcall(sock.setsockopt, sock, level, "multicast_all", false)
    return true
  end
  plan[#plan + 1] = util.step("bind", "*", port)
  plan[#plan + 1] = function(sock)
    return M.join(sock, group, opts.interface, opts.source)
  end
  if opts.timeout then plan[#plan + 1] = util.step("settimeout", opts.timeout) end
  return util.build(family, "dgram", plan)
end

--- A socket whose default destination is `group`:`port`, so `send` sends
-- to the group.
-- @tparam string|sockaddr group the group address (its family decides)
-- @tparam integer port the destination port
-- @tparam[opt] table opts `ttl` (hops; 0 keeps datagrams on this host,
--   the kernel's default is 1), `loop` (deliver to this host's members
--   too; default true), `interface` (the outgoing interface), `bind`
--   (`{host, port}` to bind first), `timeout` (seconds >= 0); any other
--   key raises
-- @return the socket, or `nil, msg, errno`; a group string that is not
--   a numeric address gives getaddrinfo's `nil, msg, EAI code` (as
--   receiver does); a sockaddr group of another family raises
-- @usage local s = assert(lsock.multicast.sender("225.0.0.10", 7200, {ttl = 1}))
function M.sender(group, port, opts)
  checktype(group, "string|lsock.sockaddr", 1, "sender")
  checktype(port, "number", 2, "sender")
  opts = util.checkopts(opts, SENDER_OPTS, 3, "sender")
  local family, host, code = groupof(group, "sender")
  if not family then return nil, host, code end
  group = host
  local level = family == "inet6" and "ipv6" or "ip"
  local step, plan = util.step, {}
  if opts.ttl ~= nil then
    plan[#plan + 1] = step("setsockopt", level, family == "inet6"
                           and "multicast_hops" or "multicast_ttl", opts.ttl)
  end
  if opts.loop ~= nil then
    plan[#plan + 1] = step("setsockopt", level, "multicast_loop", opts.loop)
  end
  if opts.interface ~= nil then
    plan[#plan + 1] = step("setsockopt", level, "multicast_if", opts.interface)
  end
  if opts.bind then
    plan[#plan + 1] = step("bind", opts.bind[1], opts.bind[2] or 0)
  end
  plan[#plan + 1] = step("connect", host_of(group), port)
  if opts.timeout then plan[#plan + 1] = step("settimeout", opts.timeout) end
  return util.build(family, "dgram", plan)
end

return M
