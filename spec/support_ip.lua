-- What `ip -o link` and `ip -o addr` say, parsed once for the specs that
-- compare lsock's view of the interfaces (getifaddrs, rtnetlink dumps,
-- examples/iplink.lua) with iproute2's.
local helper = require "helper"

local M = {}

--- `ip -o link`: array of {index=, name=, flags={"UP", ...}}.
function M.links()
  local t = {}
  for line in helper.output("ip -o link"):gmatch("[^\n]+") do
    local index, name, flags = line:match("^(%d+): ([^:@ ]+)[^:]*: <([^>]*)>")
    local set = {}
    for f in flags:gmatch("[^,]+") do set[#set + 1] = f end
    t[#t + 1] = { index = tonumber(index), name = name, flags = set,
                  up = flags:find("UP") ~= nil }
  end
  return t
end

--- `ip [-4] -o addr`: array of {index=, name=, family=, addr="a/plen",
-- brd=}; `opts` is extra arguments such as "-4".
function M.addrs(opts)
  local t = {}
  local cmd = "ip " .. (opts and opts .. " " or "") .. "-o addr"
  for line in helper.output(cmd):gmatch("[^\n]+") do
    local index, name, fam, addr = line:match("^(%d+): ([^:@ ]+)%s+(%S+) (%S+)")
    t[#t + 1] = { index = tonumber(index), name = name, family = fam,
                  addr = addr, brd = line:match(" brd (%S+)") }
  end
  return t
end

return M
