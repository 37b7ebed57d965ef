-- tcp_int_server.lua: an iterative TCP server that reads integers, one per
-- line, and answers each with the integer plus one ("error: ..." for a line
-- that is not an integer).  Lua 5.4 integers are 64-bit, so 2^53 + 1 works.
--
--   lua5.4 examples/tcp_int_server.lua 7777
--   echo 41 | nc -N 127.0.0.1 7777                       (prints 42)
--   python3 -c 'import socket; c = socket.create_connection(("127.0.0.1", 7777))
--   c.sendall(b"41\n"); print(c.recv(100))'
-- Port 0 lets the system pick a port; the bound address is the first line.
local lsock = require "lsock"

local USAGE = [[
usage: tcp_int_server.lua [-n count] [-b address] [port]
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
assert(listener:setsockopt("socket", "reuseaddr", true))
local ok, msg = listener:bind(addr)
if not ok then fail("bind", msg) end
assert(listener:listen(5))
print(tostring(listener:getsockname()))

local function answer(line)
  local n = math.tointeger(tonumber(line:match("^%s*(.-)%s*$")))
  if not n then return "error: not an integer\n" end
  return ("%d\n"):format(n + 1)
end

-- Reads lines until the client closes; a last line without "\n" counts too.
local function serve(conn)
  local buf = ""
  while true do
    local data, rerr = conn:recv(1024)
    if not data then return print("recv: " .. rerr) end
    if data == "" then break end
    buf = buf .. data
    for line in buf:gmatch("([^\n]*)\n") do
      print("got " .. line)
      if not conn:sendall(answer(line)) then return end
    end
    buf = buf:match("[^\n]*$")
  end
  if buf:find("%S") then
    print("got " .. buf)
    conn:sendall(answer(buf))
  end
end

local served = 0
while not count or served < count do
  local conn, peer = listener:accept()
  if conn then
    print("connection from " .. tostring(peer))
    serve(conn)
    conn:close()
    served = served + 1
  else
    io.stderr:write("accept: ", peer, "\n")
  end
end
listener:close()
