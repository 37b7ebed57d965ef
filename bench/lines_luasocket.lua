-- bench/lines.py reader: LuaSocket (Debian lua-socket) receive("*l");
-- prints "lines bytes cpu".
local socket = require "socket"

local c = assert(socket.tcp())
assert(c:connect("127.0.0.1", tonumber(arg[1])))
local lines, bytes = 0, 0
while true do
  local line = c:receive("*l")
  if not line then break end
  lines, bytes = lines + 1, bytes + #line + 1
end
print(lines, bytes, os.clock())
c:close()
