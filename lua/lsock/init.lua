--- lsock: BSD sockets for Lua 5.4.
-- Everything in `lsock.core`, plus the helper modules (`lsock.tcp`,
-- `lsock.udp`, `lsock.unix`, `lsock.stream`, `lsock.server`,
-- `lsock.multicast`, `lsock.loop`, `lsock.help`, `lsock.netlink`, `lsock.tls`),
-- each loaded on first use.
-- @usage local lsock = require "lsock"; lsock.help()  -- the reference
-- @module lsock
local core = require "lsock.core"

local M = {}
for k, v in pairs(core) do M[k] = v end

local helpers = {
  tcp = true, udp = true, unix = true, stream = true,
  server = true, multicast = true, loop = true, help = true,
  netlink = true, tls = true,
}

return setmetatable(M, {
  __index = function(t, k)
    if helpers[k] then
      local mod = require("lsock." .. k)
      rawset(t, k, mod)
      return mod
    end
  end,
})
