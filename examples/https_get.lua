-- https_get.lua: fetch a URL over HTTPS with lsock.tls and print the
-- response (status line, headers, body) as the server sent it.  The
-- server's certificate is verified (the system store, or -ca file) and
-- must name the host; -k turns verification off, and says so.
--
--   lua5.4 examples/https_get.lua https://example.org/
--   lua5.4 examples/https_get.lua -ca ca.pem https://localhost:8443/
-- A local server to try it on:
--   openssl s_server -accept 8443 -cert cert.pem -key key.pem -www
local lsock = require "lsock"

local USAGE = [[
usage: https_get.lua [-k] [-ca cafile] [-alpn] url
  url         https://host[:port][/path]
  -ca cafile  verify the server against this CA (default: the system store)
  -k          do not verify the server's certificate
  -alpn       offer ALPN "http/1.1" and print what the server chose]]

local function usage(ok)
  local out = ok and io.stdout or io.stderr
  out:write(USAGE, "\n")
  os.exit(ok and 0 or 2)
end

local cafile, insecure, alpn, url
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then usage(true)
  elseif a == "-ca" then
    i = i + 1
    cafile = arg[i] or usage(false)
  elseif a == "-k" then insecure = true
  elseif a == "-alpn" then alpn = true
  elseif not url and a:match("^https://") then url = a
  else usage(false) end
  i = i + 1
end
if not url then usage(false) end

-- https://host[:port][/path]; a bracketed IPv6 literal may have a port.
local rest = url:sub(9)
local hostport, path = rest:match("^([^/]*)(.*)$")
if path == "" then path = "/" end
local host, port = hostport:match("^%[(.+)%]:?(%d*)$")
if not host then host, port = hostport:match("^([^:]+):?(%d*)$") end
if not host then usage(false) end
if port == "" then port = "443" end

local conn, msg = lsock.tls.connect(host, tonumber(port), {
  timeout = 10, cafile = cafile, verify = not insecure,
  alpn = alpn and { "http/1.1" } or nil,
})
if not conn then
  io.stderr:write(("https_get.lua: %s:%s: %s\n"):format(host, port, msg))
  os.exit(1)
end
io.stderr:write(("%s %s%s\n"):format(tostring(conn), conn:cipher(),
  alpn and (" alpn=" .. tostring(conn:alpn())) or ""))

assert(conn:sendall(("GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n")
                    :format(path, host)))
-- HTTP/1.0: the response ends when the server closes.  A clean TLS close
-- (close_notify) reads as ""; many servers just close the socket, which
-- OpenSSL reports as "unexpected eof while reading": accepted here only
-- after a complete response, since HTTP/1.0 framing is the close.
while true do
  local data, err = conn:recv(65536)
  if data == "" then break end
  if not data then
    if err:find("unexpected eof", 1, true) then break end
    io.stderr:write("https_get.lua: ", err, "\n")
    os.exit(1)
  end
  io.write(data)
end
conn:close()
