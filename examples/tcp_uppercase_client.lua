-- tcp_uppercase_client.lua: read lines from stdin, send each one to the
-- uppercase server, and print the reply (the same line in capitals).
--
--   printf 'hello\nworld\n' | lua5.4 examples/tcp_uppercase_client.lua 127.0.0.1 7777
-- Against tcp_uppercase_server.lua, nc (you type the replies): nc -l 7777,
-- or a python3 server:
--   python3 -c 'import socket; c, _ = socket.create_server(("", 7777)).accept()
--   while b := c.recv(100): c.sendall(b.upper())'
local lsock = require "lsock"

local USAGE = "usage: tcp_uppercase_client.lua host port   (lines come from stdin)"

if arg[1] == "-h" or arg[1] == "--help" then
  print(USAGE)
  os.exit(0)
end
local host, port = arg[1], arg[2]
if not host or not port or not port:match("^%d+$") or arg[3] then
  io.stderr:write(USAGE, "\n")
  os.exit(2)
end

local function fail(what, msg)
  io.stderr:write(what, ": ", msg, "\n")
  os.exit(1)
end

-- Try each address of the name in turn, as a C client loops over getaddrinfo.
local answers, err = lsock.getaddrinfo(host, port, { socktype = "stream" })
if not answers then fail(host, err) end
local s
for _, ai in ipairs(answers) do
  s = assert(lsock.socket(ai.family, ai.socktype, ai.protocol))
  s:settimeout(5)
  local ok, cerr = s:connect(ai.addr)
  if ok then break end
  s:close()
  s, err = nil, cerr
end
if not s then fail("connect", err) end

-- TCP is a byte stream: a reply may arrive in pieces.  A stream reads up to
-- the newline for us, and sends what was written before it waits.
local st <close> = lsock.stream.wrap(s)
for line in io.lines() do
  st:write(line, "\n")
  local reply, rerr = st:read("l")
  if not reply then fail("recv", rerr or "server closed the connection") end
  print(reply)
end
s:shutdown("wr")
