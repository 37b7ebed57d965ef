-- The benchmark's LuaSocket server: socket.select over every client, the
-- classic way (and the one that stops at FD_SETSIZE, 1024 descriptors).
-- usage: lua5.4 bench/echo_luasocket.lua [port]   (prints its address first)
local socket = require "socket"

local srv = assert(socket.bind("127.0.0.1", tonumber(arg[1] or 0), 4096))
srv:settimeout(0)
local ip, port = srv:getsockname()
print(ip .. ":" .. port)
io.stdout:flush()

local clients = {}
local readers = { srv }
local function rebuild()
  readers = { srv }
  for c in pairs(clients) do readers[#readers + 1] = c end
end

while true do
  local ready, _, err = socket.select(readers, nil)
  if not ready then
    io.stderr:write("select: ", tostring(err), "\n")
  else
    local changed = false
    for _, s in ipairs(ready) do
      if s == srv then
        while true do
          local c = srv:accept()
          if not c then break end
          c:settimeout(0)
          clients[c] = true
          changed = true
        end
      else
        local data, e, partial = s:receive(65536)
        data = data or partial
        if data and #data > 0 then
          s:settimeout(nil)
          s:send(data)
          s:settimeout(0)
        elseif e == "closed" then
          clients[s] = nil
          s:close()
          changed = true
        end
      end
    end
    if changed then rebuild() end
  end
end
