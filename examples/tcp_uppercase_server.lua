-- tcp_uppercase_server.lua: an iterative TCP server that sends back
-- everything it receives in capitals, one client after the other.
--
--   lua5.4 examples/tcp_uppercase_server.lua 7777
--   lua5.4 examples/tcp_uppercase_client.lua 127.0.0.1 7777
--   nc 127.0.0.1 7777          (type lines; each comes back in capitals)
--   python3 -c 'import socket; c = socket.create_connection(("127.0.0.1", 7777))
--   c.sendall(b"hi\n"); print(c.recv(100))'
-- Port 0 lets the system pick a port; the bound address is the first line.
local lsock = require "lsock"

local USAGE = [[
usage: tcp_uppercase_server.lua [-n count] [-b address] [port]
  port        TCP port to listen on (default 7777, 0 = any free port)
  -b address  local IPv4 or IPv6 address to bind (default *, all IPv4)
  -n count    exit after serving count clients (default: never)]]

local function usage(ok)
  local out = ok and io.stdout or io.stderr
  out:write(USAGE, "\n")
  os.exit(ok and 0 or 2)
end

local function fail(what, msg)
  io.stderr:write(what, ": ", msg, "\n")
  os.exit(1)
end

local host, port, count = "*", 7777, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then usage(true)
  elseif a == "-n" then
    i = i + 1
    count = math.tointeger(tonumber(arg[i]))
    if not count or count < 1 then usage(false) end
  elseif a == "-b" then
    i = i + 1
    host = arg[i] or usage(false)
  elseif a:match("^%d+$") and tonumber(a) <= 65535 then
    port = tonumber(a)
  else
    usage(false)
  end
  i = i + 1
end

io.stdout:setvbuf("line") -- so a pipe sees each line at once

local family = host:find(":", 1, true) and "inet6" or "inet"
local addr, err = lsock.addr(host, port, family)
if not addr then fail(host, err) end
local listener = assert(lsock.socket(family, "stream"))
assert(listener:setsockopt("socket", "reuseaddr", true)) -- restart at once
local ok, msg = listener:bind(addr)
if not ok then fail("bind", msg) end
assert(listener:listen(5))
print(tostring(listener:getsockname()))

-- Serves one client until it closes its side.  lsock.stream reads the byte
-- stream line by line, as io.lines reads a file; "L" keeps each line's end,
-- and a last line without one still comes back when the client shuts down.
-- Replies are buffered and go out whenever the stream waits for more input.
local function serve(conn)
  conn:settimeout(60)
  local st <close> = lsock.stream.wrap(conn)
  local done, why = pcall(function()
    for line in st:lines("L") do st:write(line:upper()) end
  end)
  if not done then print("connection: " .. tostring(why)) end
end

local served = 0
while not count or served < count do
  local conn, peer = listener:accept()
  if conn then
    print("connection from " .. tostring(peer))
    serve(conn)
    conn:close()
    print("closed " .. tostring(peer))
    served = served + 1
  else
    io.stderr:write("accept: ", peer, "\n")
  end
end
listener:close()
