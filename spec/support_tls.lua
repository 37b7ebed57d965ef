-- Certificates for the TLS specs, made at run time with the openssl
-- command into a fresh temporary directory (never committed): two CAs,
-- server certificates for localhost (SAN DNS:localhost, IP:127.0.0.1),
-- for other.test (SNI), an expired one, a client certificate, and an
-- encrypted copy of the server key.  Keys are P-256: fast to make.
local helper = require "helper"

local M = {}

local function run(dir, cmd)
  local line = ("cd %s && %s >/dev/null 2>&1"):format(helper.quote(dir), cmd)
  local ok = helper.sh("sh -c " .. helper.quote(line))
  assert(ok, "failed: " .. cmd)
end

local KEY = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

-- A certificate for `cn` with subjectAltName `san`, signed by `ca`.
local function issue(dir, name, ca, cn, san, days, extra)
  run(dir, ("openssl req %s -keyout %s.key -out %s.csr -subj '/CN=%s'")
      :format(KEY, name, name, cn))
  local f = assert(io.open(dir .. "/" .. name .. ".ext", "w"))
  f:write(san and ("subjectAltName=" .. san .. "\n") or "", extra or "")
  f:close()
  run(dir, ("openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial"
      .. " -days %d -sha256 -out %s.pem -extfile %s.ext")
      :format(name, ca, ca, days or 2, name, name))
end

local cached

--- The directory of certificates (made once per busted run) and a table
-- of its files: ca, ca2 (another CA), server/server_key (localhost),
-- other/other_key (other.test), expired/expired_key, client/client_key,
-- server_enc_key (server_key under the password "secret"), chain (server
-- followed by its CA).
function M.certs()
  if cached then return cached end
  local dir = os.tmpname()
  os.remove(dir)
  assert(helper.sh("mkdir -m 700 " .. helper.quote(dir)))
  for _, ca in ipairs { "ca", "ca2" } do
    run(dir, ("openssl req -x509 %s -keyout %s.key -out %s.pem -days 2 -subj '/CN=lsock test %s'")
        :format(KEY, ca, ca, ca))
  end
  issue(dir, "server", "ca", "localhost", "DNS:localhost,IP:127.0.0.1")
  issue(dir, "other", "ca", "other.test", "DNS:other.test")
  issue(dir, "expired", "ca", "localhost", "DNS:localhost,IP:127.0.0.1", -1)
  issue(dir, "client", "ca", "lsock client", nil, 2, "extendedKeyUsage=clientAuth\n")
  issue(dir, "wrongca", "ca2", "localhost", "DNS:localhost,IP:127.0.0.1")
  run(dir, "openssl pkey -in server.key -aes128 -passout pass:secret -out server_enc.key")
  local chain = assert(io.open(dir .. "/chain.pem", "w"))
  for _, n in ipairs { "server", "ca" } do
    local f = assert(io.open(dir .. "/" .. n .. ".pem"))
    chain:write(f:read("a"))
    f:close()
  end
  chain:close()
  local t = { dir = dir }
  for _, n in ipairs { "ca", "ca2", "server", "other", "expired", "client", "wrongca", "chain" } do
    t[n] = dir .. "/" .. n .. ".pem"
    t[n .. "_key"] = dir .. "/" .. n .. ".key"
  end
  t.server_enc_key = dir .. "/server_enc.key"
  cached = t
  return t
end

--- Removes the directory (registered by the spec with finally/teardown).
function M.cleanup()
  if cached then
    helper.sh("rm -rf " .. helper.quote(cached.dir))
    cached = nil
  end
end

--- Starts `openssl s_server` on a free loopback port with the given
-- extra arguments; returns the process and its port.  `feed`, if given,
-- is shell commands whose output is s_server's stdin (its commands and
-- the lines it sends).
function M.s_server(args, feed)
  -- s_server prints "ACCEPT" once it listens; -accept 0 picks a port,
  -- which it does not print, so a port is reserved by binding first.
  local lsock = helper.lsock
  for _ = 1, 20 do
    local probe = assert(lsock.tcp.listen("127.0.0.1", 0))
    local port = probe:getsockname().port
    probe:close()
    local cmd = ("openssl s_server -accept 127.0.0.1:%d %s"):format(port, args)
    if feed then cmd = "sh -c " .. helper.quote(("(%s) | %s"):format(feed, cmd)) end
    local p = helper.spawn(cmd, nil, { clean = true })
    for _ = 1, 5 do
      local line = p:line()
      if line == nil then break end
      if line:find("^ACCEPT") then return p, port end
    end
    p:cleanup()
  end
  error("openssl s_server did not start")
end

--- A python3 TLS server: serves one connection with the script body
-- (`conn` is the wrapped socket, `ctx` the context) after printing its
-- port.  `setup` is python run on ctx before listening.
function M.python_server(certs, setup, body)
  local script = ([[
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(%q, %q)
%s
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
print("127.0.0.1:%%d" %% ls.getsockname()[1], flush=True)
raw, _ = ls.accept()
conn = ctx.wrap_socket(raw, server_side=True)
%s
]]):format(certs.server, certs.server_key, setup or "", body)
  local p = helper.python(script)
  local _, port = p:address()
  return p, port
end

return M
