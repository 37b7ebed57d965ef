-- copas, unchanged, on lsock.compat: Debian's lua-copas (1.2, packaged for
-- Lua 5.1 and 5.2 but plain Lua that runs on 5.4) serves an uppercase
-- echo to three clients that connect the copas way (settimeout(0),
-- connect until it stops saying "timeout", waiting for the socket to be
-- writable in between) in one child lua5.4; the same program on Debian's
-- LuaSocket must print the same.  On 127.0.0.1 only, bounded at 5 s.
local helper = require "helper"

local PROGRAM = [[
package.path = package.path .. ";/usr/share/lua/5.2/?.lua"
if COMPAT then require("lsock.compat").install() end
local socket = require "socket"
local copas = require "copas"
local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()
copas.addserver(srv, function(c)
  c = copas.wrap(c)
  while true do
    local line = c:receive()
    if not line then break end
    c:send(line:upper() .. "\n")
  end
end)
local got = {}
for i = 1, 3 do
  copas.addthread(function()
    local skt = socket.tcp()
    assert(copas.connect(skt, "127.0.0.1", tonumber(port)))
    local c = copas.wrap(skt)
    c:send("hello " .. i .. "\n")
    local reply = c:receive()
    got[#got + 1] = reply
    skt:close()
  end)
end
local t0 = socket.gettime()
while #got < 3 and socket.gettime() - t0 < 5 do copas.step(0.1) end
table.sort(got)
print(table.concat(got, "|"))
]]

describe("copas on lsock.compat", function()
  for _, impl in ipairs { "LuaSocket", "compat" } do
    it("serves and connects the copas way, as on LuaSocket (" .. impl .. ")", function()
      local p = helper.lua((impl == "compat" and "COMPAT = true\n" or "") .. PROGRAM)
      local out, code = p:finish()
      assert.equal(0, code, p:stderr())
      assert.equal("HELLO 1|HELLO 2|HELLO 3\n", out)
    end)
  end
end)
