-- sockopts.lua: the options of a fresh TCP and UDP socket, read with
-- getsockopt, as the course's first options exercise prints them; then
-- each NAME=VALUE given is set with setsockopt and read back.
--
--   lua5.4 examples/sockopts.lua                     # the defaults
--   lua5.4 examples/sockopts.lua rcvbuf=1000000 nodelay=true
-- Linux doubles the buffer size asked for (room for its bookkeeping) and
-- caps it at net.core.rmem_max: the value read back says what you got.
-- lsock's option table types each value: booleans for on/off options,
-- integers for sizes, a table for linger (doc/options.md lists them all).
local lsock = require "lsock"

local USAGE = [[
usage: sockopts.lua [name=value ...]
  name   an option of the list printed without arguments (rcvbuf, nodelay...)
  value  an integer, true or false; set on the TCP socket (UDP: udp.name=)]]

local OPTIONS = {
  { "socket", "type" }, { "socket", "rcvbuf" }, { "socket", "sndbuf" },
  { "socket", "reuseaddr" }, { "socket", "keepalive" }, { "socket", "linger" },
  { "ip", "ttl" }, { "tcp", "nodelay" }, { "tcp", "maxseg" },
}

local function show(v)
  if type(v) == "table" then -- linger
    return ("{onoff=%s, linger=%d}"):format(tostring(v.onoff), v.linger)
  end
  return tostring(v)
end

local function value(text)
  if text == "true" then return true elseif text == "false" then return false end
  return math.tointeger(tonumber(text))
end

local socks = {
  tcp = assert(lsock.socket("inet", "stream")),
  udp = assert(lsock.socket("inet", "dgram")),
}

local function level_of(name)
  for _, o in ipairs(OPTIONS) do if o[2] == name then return o[1] end end
end

for _, a in ipairs(arg) do
  if a == "-h" or a == "--help" then io.stdout:write(USAGE, "\n"); os.exit(0) end
  local which, name, text = a:match("^(%a+)%.([%w_]+)=(.+)$")
  if not which then which, name, text = "tcp", a:match("^([%w_]+)=(.+)$") end
  local level = name and level_of(name)
  if not (level and socks[which] and value(text) ~= nil) then
    io.stderr:write(USAGE, "\n"); os.exit(2)
  end
  local ok, msg = socks[which]:setsockopt(level, name, value(text))
  if not ok then io.stderr:write(a, ": ", msg, "\n"); os.exit(1) end
end

print(("%-8s %-10s %-24s %s"):format("level", "option", "tcp", "udp"))
for _, o in ipairs(OPTIONS) do
  local level, name = o[1], o[2]
  local t = show(socks.tcp:getsockopt(level, name))
  local u = level == "tcp" and "-" or show(socks.udp:getsockopt(level, name))
  print(("%-8s %-10s %-24s %s"):format(level, name, t, u))
end
