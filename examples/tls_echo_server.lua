-- tls_echo_server.lua: a TLS echo server, one coroutine per connection
-- (lsock.server in "coroutine" mode with tls = a server context): each
-- line a client sends comes back; an empty line ends the connection
-- (so `curl --http0.9` gets its request back).  With a CA file, clients
-- must show a certificate it signed (mutual TLS).
--
--   lua5.4 examples/tls_echo_server.lua cert.pem key.pem 8443
--   openssl s_client -connect 127.0.0.1:8443 -CAfile ca.pem
--   curl --http0.9 --cacert ca.pem https://localhost:8443/
-- Port 0 lets the system pick a port; the bound address is the first line.
local lsock = require "lsock"

local USAGE = [[
usage: tls_echo_server.lua [-n count] [-ca cafile] certfile keyfile [port]
  certfile    the server's certificate (PEM, chain allowed)
  keyfile     its private key (PEM)
  port        TCP port on 127.0.0.1 (default 8443, 0 = any free port)
  -ca cafile  demand client certificates signed by this CA
  -n count    exit after count connections (default: never)]]

local function usage(ok)
  local out = ok and io.stdout or io.stderr
  out:write(USAGE, "\n")
  os.exit(ok and 0 or 2)
end

local files, port, cafile, count = {}, 8443, nil, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then usage(true)
  elseif a == "-n" then
    i = i + 1
    count = math.tointeger(tonumber(arg[i]))
    if not count or count < 1 then usage(false) end
  elseif a == "-ca" then
    i = i + 1
    cafile = arg[i] or usage(false)
  elseif #files < 2 and not a:match("^%-") then
    files[#files + 1] = a
  elseif #files == 2 and a:match("^%d+$") and tonumber(a) <= 65535 then
    port = tonumber(a)
  else
    usage(false)
  end
  i = i + 1
end
if #files ~= 2 then usage(false) end

io.stdout:setvbuf("line") -- so a pipe sees each line at once

local ctx, msg = lsock.tls.context {
  mode = "server", certfile = files[1], keyfile = files[2],
  cafile = cafile, verify = cafile and "require" or nil,
}
if not ctx then
  io.stderr:write("tls_echo_server.lua: ", msg, "\n")
  os.exit(1)
end

local served = 0
local srv
-- conn is a handshaken lsock.tls connection whose calls yield to the
-- loop; lsock.stream reads it line by line as it would a socket.
local function echo(conn)
  served = served + 1
  local st <close> = lsock.stream.wrap(conn)
  for line in st:lines("L") do
    if line:match("^\r?\n$") then break end
    st:write(line)
    st:flush()
  end
  if count and served >= count then srv:close() end
end

srv = assert(lsock.server.tcp {
  host = "127.0.0.1", port = port, mode = "coroutine", tls = ctx,
  timeout = 30, handler = echo,
  onerror = function(m, what) print(what .. ": " .. m:match("^[^\n]*")) end,
})
print(tostring(srv.addr))
srv:run()
