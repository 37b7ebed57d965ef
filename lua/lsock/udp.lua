--- lsock.udp: a UDP socket bound, connected and configured in one call.
-- The family follows the addresses: the connect address's answers are
-- tried in order; a wildcard bind alone gives a dual-stack IPv6 socket
-- (IPv4 peers appear as `::ffff:a.b.c.d`), or IPv4 without IPv6.
-- @usage local s = assert(lsock.udp.open{connect = {"127.0.0.1", 7777}})
-- @module lsock.udp
local lsock = require "lsock"

local EAFNOSUPPORT = lsock.errno.EAFNOSUPPORT

local util = require "lsock.util"
local issockaddr, famname = util.issockaddr, util.famname

local M = {}

-- An address option as a sockaddr, or {host, port} (host nil or "*":
-- the wildcard); returns host, port for the socket methods.
local function unpackspec(spec, name)
  if issockaddr(spec) then return spec end
  if type(spec) ~= "table" then
    error("bad option '" .. name .. "' (sockaddr or {host, port} expected)",
      4)
  end
  return spec[1] or spec.host or "*", spec[2] or spec.port or 0
end

-- The families to try, each with the connect address to use in it.
local function plan(opts, family)
  if opts.connect then
    if issockaddr(opts.connect) then
      return { { family = opts.connect.family, to = opts.connect } }
    end
    local host, port = unpackspec(opts.connect, "connect")
    local res, msg, code = lsock.getaddrinfo(host, port,
      { family = family, socktype = "dgram" })
    if not res then return nil, msg, code end
    local out = {}
    for _, ai in ipairs(res) do
      out[#out + 1] = { family = ai.addr.family, to = ai.addr }
    end
    return out
  end
  local b = opts.bind
  if issockaddr(b) then return { { family = b.family } } end
  local host = b and unpackspec(b, "bind")
  if family then return { { family = family } } end
  if host and host ~= "*" then
    local res, msg, code = lsock.getaddrinfo(host, 0,
      { socktype = "dgram", flags = "passive" })
    if not res then return nil, msg, code end
    return { { family = res[1].addr.family } }
  end
  -- Broadcast exists only in IPv4; anything else gets both families.
  if opts.broadcast then return { { family = "inet" } } end
  return { { family = "inet6", dualstack = true }, { family = "inet" } }
end

local function try(p, opts)
  local steps = util.sockopts({}, p.family, opts, p.dualstack)
  if opts.bind then steps[#steps + 1] = util.step("bind", unpackspec(opts.bind, "bind")) end
  if p.to then steps[#steps + 1] = util.step("connect", p.to) end
  if opts.timeout then steps[#steps + 1] = util.step("settimeout", opts.timeout) end
  return util.build(p.family, "dgram", steps)
end

local OPEN_OPTS = {
  bind = "lsock.sockaddr|table", connect = "lsock.sockaddr|table",
  family = "string|number", broadcast = "boolean", reuseaddr = "boolean",
  reuseport = "boolean", v6only = "boolean",
  timeout = { "number", min = 0 },
}

--- A UDP socket, bound, connected and with its options set.
-- @tparam[opt] table opts `bind` and `connect` (each a sockaddr or
--   `{host, port}`; a bind host `"*"` or nil is the wildcard),
--   `family` ("inet", "inet6"), `broadcast`, `reuseaddr`, `reuseport`,
--   `v6only` (booleans), `timeout` (seconds >= 0, for every later
--   call); any other key raises
-- @return the socket, or nil, msg, errno from the step that failed (the
--   last address tried), or getaddrinfo's message and EAI code
-- @see udp(7), bind(2), connect(2)
-- @usage local s = assert(lsock.udp.open{bind = {"*", 7777}})
function M.open(opts)
  opts = util.checkopts(opts, OPEN_OPTS, 1, "open")
  local list, msg, code = plan(opts, famname(opts.family))
  if not list then return nil, msg, code end
  for _, p in ipairs(list) do
    local s
    s, msg, code = try(p, opts)
    if s then return s end
    -- Only a missing IPv6 makes the IPv4 fallback of a wildcard worth it.
    if p.dualstack and code ~= EAFNOSUPPORT then break end
  end
  return nil, msg, code
end

return M
