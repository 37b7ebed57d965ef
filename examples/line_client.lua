-- A client for any line server: sends each line of its standard input and
-- prints the reply line the server gives for it; when the input ends it
-- shuts down its sending side and prints what else the server sends until
-- it closes.  Try it against `nc -l 127.0.0.1 7000` (you type the replies
-- in nc) or any echo/uppercase server:
--
--   lua5.4 examples/line_client.lua 127.0.0.1 7000 [timeout]
--
-- lsock.stream does the byte-stream work: read("l") returns one whole line
-- however TCP cuts it up, accepts LF or CRLF, and sends what write()
-- buffered before it waits for the reply.
local lsock = require "lsock"
local stream = require "lsock.stream"

local host, port = arg[1], arg[2]
local timeout = tonumber(arg[3] or 10)
if not (host and port and timeout) then
  io.stderr:write("usage: lua5.4 line_client.lua HOST PORT [TIMEOUT]\n")
  os.exit(2)
end

-- Every address of host in turn (IPv6 and IPv4); then each wait for the
-- server is bounded by the timeout.
local sock, err = lsock.tcp.connect(host, port, { timeout = timeout })
if not sock then
  io.stderr:write("line_client: ", tostring(err), "\n")
  os.exit(1)
end
sock:settimeout(timeout)

local st <close> = stream.wrap(sock)
for line in io.lines() do
  st:write(line, "\n")
  local reply, msg = st:read("l")   -- flushes our line, then waits
  if not reply then
    if msg then io.stderr:write("line_client: ", msg, "\n") os.exit(1) end
    break                           -- the server closed
  end
  print(reply)
end

-- No more input: say so to the server, then print what it still sends.
assert(st:flush())
sock:shutdown("wr")
local ok, msg = pcall(function()
  for line in st:lines() do print(line) end
end)
if not ok then
  io.stderr:write("line_client: ", tostring(msg), "\n")
  os.exit(1)
end
