-- bench/lines.py reader: lsock.stream, `for line in st:lines()` (or
-- `st:read("l")` in a loop with arg 2 "read"); prints "lines bytes cpu".
local lsock = require "lsock"
local stream = require "lsock.stream"

local port, how = tonumber(arg[1]), arg[2] or "lines"
local s = assert(lsock.socket("inet", "stream"))
assert(s:connect("127.0.0.1", port))
local st = stream.wrap(s)
local lines, bytes = 0, 0
if how == "read" then
  local line = st:read("l")
  while line do
    lines, bytes = lines + 1, bytes + #line + 1
    line = st:read("l")
  end
else
  for line in st:lines() do
    lines, bytes = lines + 1, bytes + #line + 1
  end
end
print(lines, bytes, os.clock())
st:close()
