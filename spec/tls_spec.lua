-- lsock.tls against real peers: openssl s_server, a python3 ssl server,
-- curl, openssl s_client and python3 clients, with certificates made at
-- run time (spec/support_tls.lua).  Everything stays on 127.0.0.1.
local helper = require "helper"
local support = require "support_tls"
local lsock = helper.lsock
local tls = require "lsock.tls"
local E = lsock.errno

local function defer(fn) helper.defer(finally, fn) end

-- The certificates' directory goes when the file's specs are done.
teardown(function() support.cleanup() end)

describe("lsock.tls client", function()
  local certs, www, wwwport
  setup(function()
    certs = support.certs()
    www, wwwport = support.s_server(("-cert %s -key %s -www -alpn h2,http/1.1")
                                    :format(certs.server, certs.server_key))
  end)
  teardown(function()
    www:cleanup()
  end)

  local function connect(opts)
    local host = opts.host or "localhost"
    opts.host, opts.timeout = nil, opts.timeout or helper.T
    return tls.connect(host, wwwport, opts)
  end

  it("verifies against a cafile, negotiates ALPN and reads to close_notify", function()
    local c = assert(connect { cafile = certs.ca, alpn = { "http/1.1" } })
    defer(function() c:close() end)
    assert.equal("TLSv1.3", c:version())
    assert.is_string(c:cipher())
    assert.equal("http/1.1", c:alpn())
    assert.equal("localhost", c:servername())
    assert.is_true(c:verified())
    assert.matches("^lsock.tls.connection%(TLSv1.3 fd=%d+ localhost%)$", tostring(c))
    assert.equal(18, c:sendall("GET / HTTP/1.0\r\n\r\n"))
    local parts = {}
    for _ = 1, 1000 do
      local d, msg = c:recv(4096)
      assert.is_string(d, msg)
      if d == "" then break end
      parts[#parts + 1] = d
    end
    local body = table.concat(parts)
    assert.matches("^HTTP/1.0 200 ok", body)
    -- s_server -www reports the client's offer: our ALPN name came across.
    assert.equal("", c:recv(10))   -- still "" after the close_notify
  end)

  it("gives the peer certificate's fields", function()
    local c = assert(connect { cafile = certs.ca })
    defer(function() c:close() end)
    local cert = c:peercert()
    assert.equal("CN=localhost", cert.subject)
    assert.equal("CN=lsock test ca", cert.issuer)
    assert.same({ "DNS:localhost", "IP:127.0.0.1" }, cert.san)
    assert.is_true(cert.notbefore <= os.time() + 60 and cert.notafter > os.time())
    assert.matches("^%x+$", cert.serial)
    assert.matches("^%-%-%-%-%-BEGIN CERTIFICATE", cert.pem)
    -- The fingerprint openssl computes from the same PEM.
    local path = os.tmpname()
    defer(function() os.remove(path) end)
    local f = assert(io.open(path, "w")); f:write(cert.pem); f:close()
    local out = helper.output("openssl x509 -noout -fingerprint -sha256 -in " .. path)
    assert.equal(out:match("=([%x:]+)"):gsub(":", ""):lower(), cert.sha256)
  end)

  it("refuses a certificate from another CA with OpenSSL's reason", function()
    local c, msg, code = connect { cafile = certs.ca2 }
    assert.is_nil(c)
    assert.equal("certificate verify failed: unable to get local issuer certificate", msg)
    assert.equal("integer", math.type(code))
  end)

  it("refuses a hostname mismatch, and matches IP literals against IP SANs", function()
    local c, msg = connect { cafile = certs.ca, servername = "other.test" }
    assert.is_nil(c)
    assert.equal("certificate verify failed: hostname mismatch", msg)
    c = assert(connect { host = "127.0.0.1", cafile = certs.ca })
    assert.is_true(c:verified())
    c:close()
  end)

  it("connects with verify = false and says so", function()
    local c = assert(connect { cafile = certs.ca2, verify = false })
    defer(function() c:close() end)
    assert.same({ false, "verification disabled" }, { c:verified() })
    assert.matches("unverified%)$", tostring(c))
    assert.matches("unverified", tostring(tls.context { verify = false }))
  end)

  it("refuses an expired certificate", function()
    local p, port = support.s_server(("-cert %s -key %s -www")
                                     :format(certs.expired, certs.expired_key))
    defer(function() p:cleanup() end)
    local c, msg = tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T })
    assert.is_nil(c)
    assert.equal("certificate verify failed: certificate has expired", msg)
  end)

  it("lsock.tcp.connect{tls = ...} gives a handshaken connection", function()
    local ctx = assert(tls.context { cafile = certs.ca })
    local c = assert(lsock.tcp.connect("localhost", wwwport, { tls = ctx, timeout = helper.T }))
    assert.is_true(c:verified())
    c:close()
    c = assert(lsock.tcp.connect("localhost", wwwport,
                                 { tls = { cafile = certs.ca }, timeout = helper.T }))
    assert.equal("TLSv1.3", c:version())
    c:close()
  end)

  it("sends SNI and ALPN as a python3 ssl server sees them", function()
    local p, port = support.python_server(certs, [[
seen = {}
def sni(sock, name, c):
    seen["sni"] = name
ctx.sni_callback = sni
ctx.set_alpn_protocols(["x-other", "x-lsock"])
]], [[
print(seen.get("sni"), conn.selected_alpn_protocol(), conn.version(), flush=True)
conn.sendall(b"bye")
conn.unwrap()
]])
    defer(function() p:cleanup() end)
    local c = assert(tls.connect("localhost", port,
      { cafile = certs.ca, alpn = { "x-lsock", "h2" }, timeout = helper.T }))
    defer(function() c:close() end)
    assert.equal("localhost x-lsock TLSv1.3", p:line())
    assert.equal("bye", c:recv(10))
    assert.equal("", c:recv(10))   -- python's unwrap() sent close_notify
  end)

  it("gives EPIPE or ECONNRESET, never SIGPIPE, when the peer vanishes mid-write", function()
    local p, port = support.python_server(certs, nil, [[
conn.close()  # no close_notify: the socket just goes
print("gone", flush=True)
]])
    defer(function() p:cleanup() end)
    -- A child lua5.4 with SIGPIPE at its default disposition.
    local child = helper.lua(([[
local tls = require "lsock.tls"
local c = assert(tls.connect("localhost", %d, {cafile = %q, timeout = 5}))
require("lsock").sleep(0.5)   -- the peer has gone by then
local chunk = ("x"):rep(65536)
for _ = 1, 2000 do
  local n, msg, code = c:send(chunk)
  if not n then print(code, msg) os.exit(0) end
end
print("no error")
]]):format(port, certs.ca))
    defer(function() child:cleanup() end)
    assert.equal("gone", p:line())
    local out, code, how = child:finish()
    assert.equal("exit", how)
    assert.equal(0, code)
    local errno = tonumber(out:match("^(%d+)"))
    assert.truthy(errno == E.EPIPE or errno == E.ECONNRESET, out)
  end)
end)

describe("lsock.tls client, non-blocking and timeouts", function()
  local certs
  setup(function() certs = support.certs() end)

  it("drives a non-blocking handshake with lsock.select and want()", function()
    -- The server takes its time (in its SNI callback), so that the first
    -- call surely finds nothing to read.
    local p, port = support.python_server(certs, [[
import time
ctx.sni_callback = lambda sock, name, c: time.sleep(0.2)
]], [[
conn.sendall(b"done")
conn.unwrap()
]])
    defer(function() p:cleanup() end)
    local ctx = assert(tls.context { cafile = certs.ca })
    local s = assert(lsock.tcp.connect("127.0.0.1", port))
    local c = tls.wrap(s, ctx, { servername = "localhost" })
    defer(function() c:close() end)
    assert.is_nil(c:want())
    c:settimeout(0)
    local waits, log = 0, {}
    for _ = 1, 100 do
      local ok, msg, code = c:handshake()
      log[#log + 1] = tostring(ok) .. " " .. tostring(msg)
      if ok then break end
      assert.equal(E.EAGAIN, code, msg)
      local w = c:want()
      assert.truthy(w == "r" or w == "w")
      local r, wr = lsock.select(w == "r" and { c } or {}, w == "w" and { c } or {}, helper.T)
      assert.equal(1, #r + #wr)
      waits = waits + 1
    end
    assert.is_true(waits >= 1, table.concat(log, "; ") .. " " .. tostring(c))
    assert.same({ true }, { c:verified() })
    assert.equal(0, c:gettimeout())
    c:settimeout(helper.T)
    assert.equal("done", c:recv(10))
  end)

  it("times a handshake out against a silent peer", function()
    local l = assert(lsock.tcp.listen("127.0.0.1", 0))   -- never accepts or answers
    defer(function() l:close() end)
    local t0 = lsock.monotime()
    local c, msg, code = tls.connect("127.0.0.1", l:getsockname().port,
                                     { verify = false, timeout = 0.3 })
    local dt = lsock.monotime() - t0
    assert.is_nil(c)
    assert.same({ "timeout", E.ETIMEDOUT }, { msg, code })
    assert.is_true(dt >= 0.25 and dt < 4, dt)
  end)

  it("resumes a session from a ticket", function()
    local p, port = support.s_server(("-cert %s -key %s -www")
                                     :format(certs.server, certs.server_key))
    defer(function() p:cleanup() end)
    local ctx = assert(tls.context { cafile = certs.ca })
    local c = assert(tls.connect("localhost", port, { context = ctx, timeout = helper.T }))
    assert.is_false(c:resumed())
    assert(c:sendall("GET / HTTP/1.0\r\n\r\n"))
    repeat local d = assert(c:recv(65536)) until d == ""
    local sess = c:session()
    assert.truthy(sess)
    c:close()
    local c2 = assert(tls.connect("localhost", port,
                                  { context = ctx, session = sess, timeout = helper.T }))
    defer(function() c2:close() end)
    assert.is_true(c2:resumed())
    assert.is_true(c2:verified())
  end)

  it("reads lines through lsock.stream with timeouts expiring mid-line, losing nothing", function()
    local p, port = support.python_server(certs, nil, [[
import time
conn.sendall(b"first line\nsecond ")
time.sleep(0.6)
conn.sendall(b"half\nthird")
time.sleep(0.6)
conn.sendall(b" line\n")
conn.unwrap()
]])
    defer(function() p:cleanup() end)
    local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
    c:settimeout(0.2)
    local st = lsock.stream.wrap(c)
    defer(function() st:close() end)
    local got, timeouts = {}, 0
    for _ = 1, 100 do
      local line, _, code = st:read("l")
      if line then got[#got + 1] = line
      elseif code == E.ETIMEDOUT then timeouts = timeouts + 1
      else break end   -- end of stream
    end
    assert.same({ "first line", "second half", "third line" }, got)
    assert.is_true(timeouts >= 2)
  end)

  it("select and the poller see buffered decrypted bytes as readable", function()
    local p, port = support.python_server(certs, nil, [[
conn.sendall(b"x" * 3000)
conn.recv(1)
]])
    defer(function() p:cleanup() end)
    local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
    defer(function() c:close() end)
    -- One record of 3000 bytes: reading 1000 leaves 2000 decrypted ones
    -- in OpenSSL and none in the kernel.
    local d = ""
    while #d < 1000 do d = d .. assert(c:recv(1000 - #d)) end
    assert.is_true(c:pending() > 0)
    assert.is_true(c:dirty())
    local r = lsock.select({ c }, {}, 0)
    assert.equal(c, r[1])
    local poller = assert(lsock.poller())
    defer(function() poller:close() end)
    assert(poller:add(c, "r"))
    local seen = {}
    for obj, ev in assert(poller:wait(0)) do seen[#seen + 1] = { obj, ev } end
    assert.same({ { c, "r" } }, seen)
    c:sendall("k")
  end)

  it("raises on misuse and reports bad settings from context()", function()
    assert.error_matches(function() tls.context { bogus = 1 } end, "unknown option 'bogus'")
    assert.error_matches(function() tls.context { verify = "maybe" } end, "verify")
    local ctx = assert(tls.context())
    local s = assert(lsock.socket("inet", "stream"))
    assert.error_matches(function() tls.wrap(s, ctx) end, "servername expected")
    s:close()
    local c, msg, code = tls.context { cafile = certs.dir .. "/missing.pem" }
    assert.is_nil(c)
    assert.matches("No such file or directory", msg)
    assert.equal(E.ENOENT, code)
    c, msg = tls.context { mode = "server", certfile = certs.server, keyfile = certs.other_key }
    assert.is_nil(c)
    assert.matches("key values mismatch", msg)
    c, msg = tls.context { minversion = "tls9" }
    assert.is_nil(c)
    assert.matches("unknown TLS version 'tls9'", msg)
    c, msg = tls.context { ciphersuites = "NOPE" }
    assert.is_nil(c)
    assert.matches("^ciphersuites: ", msg)
    c, msg = tls.context { mode = "server", certfile = certs.server,
                           keyfile = certs.server_enc_key }
    assert.is_nil(c)
    assert.matches("bad password read", msg)
    assert.truthy(tls.context { mode = "server", certfile = certs.chain,
                                keyfile = certs.server_enc_key, password = "secret" })
    assert.truthy(tls.context { mode = "server", certfile = certs.server,
      keyfile = certs.server_enc_key, password = function() return "secret" end })
  end)
end)

describe("lsock.tls server", function()
  local certs, p, port
  setup(function()
    certs = support.certs()
    p = helper.example("tls_echo_server.lua", { certs.server, certs.server_key, "0" })
    local _
    _, port = p:address()
  end)
  teardown(function() p:cleanup() end)

  it("serves curl --cacert", function()
    local out = helper.output(("curl -sS -m 10 --http0.9 --cacert %s https://localhost:%d/hello")
                              :format(certs.ca, port))
    assert.matches("^GET /hello HTTP/1.1\r\n", out)
  end)

  it("passes openssl s_client -verify_return_error", function()
    local out = helper.output(("printf 'one\\ntwo\\n\\n' | timeout 10 openssl s_client -quiet"
      .. " -verify_return_error -CAfile %s -connect 127.0.0.1:%d -servername localhost 2>/dev/null")
      :format(certs.ca, port))
    assert.equal("one\ntwo\n", out)
  end)

  it("passes python3 ssl.create_default_context(cafile=), and survives garbage clients", function()
    -- A plain-TCP client sending garbage, one that connects and leaves,
    -- then a verified python client: the server goes on.
    local g = assert(lsock.tcp.connect("127.0.0.1", port))
    g:sendall("GET / HTTP/1.0\r\n\r\n")
    g:settimeout(helper.T)
    g:recv(100)
    g:close()
    assert(lsock.tcp.connect("127.0.0.1", port)):close()
    local py = helper.python(([[
import socket, ssl
ctx = ssl.create_default_context(cafile=%q)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", %d)), server_hostname="localhost")
s.sendall(b"from python\n\n")
data = b""
while True:
    d = s.recv(100)
    if not d: break
    data += d
print(data.decode(), end="", flush=True)
]]):format(certs.ca, port))
    defer(function() py:cleanup() end)
    local out, code = py:finish()
    assert.equal(0, code, py:stderr())
    assert.equal("from python\n", out)
    assert.equal("tls handshake: http request", p:line())
  end)

  it("answers a TLS 1.3 key update (a read that must write) and goes on", function()
    -- s_client's "K" command sends a KeyUpdate asking for one back: the
    -- server's next read has to write its own before it echoes "two".
    local script = "(sleep 0.5; printf 'one\\n'; sleep 0.3; printf 'K\\n'; sleep 0.3;"
      .. " printf 'two\\n'; sleep 0.3; printf '\\n'; sleep 0.5)"
    local out = helper.output("sh -c " .. helper.quote(("%s | timeout 10 openssl s_client -msg"
      .. " -CAfile %s -connect 127.0.0.1:%d -servername localhost 2>&1")
      :format(script, certs.ca, port)))
    assert.matches("one\n", out)
    assert.matches(">>> TLS 1.3, Handshake %[length 0005%], KeyUpdate", out)
    assert.matches("<<< TLS 1.3, Handshake %[length 0005%], KeyUpdate", out)
    assert.matches("\ntwo\n", out)
  end)

  it("handles 200 concurrent handshakes in its coroutines", function()
    local py = helper.python(([[
import socket, ssl, threading
ctx = ssl.create_default_context(cafile=%q)
ok = []
socks = []
for i in range(200):
    socks.append(socket.create_connection(("127.0.0.1", %d)))
def run(i):
    s = ctx.wrap_socket(socks[i], server_hostname="localhost")
    s.sendall(b"n%%d\n\n" %% i)
    if s.recv(100) == b"n%%d\n" %% i: ok.append(i)
    s.close()
ts = [threading.Thread(target=run, args=(i,)) for i in range(200)]
for t in ts: t.start()
for t in ts: t.join()
print(len(ok), flush=True)
]]):format(certs.ca, port))
    defer(function() py:cleanup() end)
    local out, code = py:finish()
    assert.equal(0, code, py:stderr())
    assert.equal("200\n", out)
  end)
end)

describe("lsock.tls server contexts", function()
  local certs
  setup(function() certs = support.certs() end)

  -- A child lsock server (iterative unless told) with the given context.
  local function server(ctxcode, mode)
    local child = helper.lua(([[
local lsock = require "lsock"
local tls = lsock.tls
local certs = { server = %q, server_key = %q, other = %q, other_key = %q, ca = %q }
local ctx = assert(%s)
local srv = assert(lsock.server.tcp { host = "127.0.0.1", port = 0, tls = ctx, timeout = 5,
  mode = %q,
  deadline = 20, onerror = function(m, what) print(what .. ": " .. m) end,
  handler = function(c)
    local cert = c:peercert()
    c:sendall((c:servername() or "-") .. " " .. (cert and cert.subject or "-") .. "\n")
  end })
io.stdout:setvbuf("line")
print(tostring(srv.addr))
srv:run()
]]):format(certs.server, certs.server_key, certs.other, certs.other_key, certs.ca, ctxcode,
               mode or "iterative"))
    local _, port = child:address()
    return child, port
  end

  for _, mode in ipairs { "fork", "select" } do
    it("serves TLS in the " .. mode .. " mode too", function()
      local child, port = server([[tls.context { mode = "server", certfile = certs.server,
        keyfile = certs.server_key }]], mode)
      defer(function() child:cleanup() end)
      for _ = 1, 3 do
        local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
        assert.equal("localhost -\n", c:recv(100))
        assert.equal("", c:recv(100))   -- closed with close_notify
        c:close()
      end
    end)
  end

  it("calls a select-mode handler again while decrypted bytes are pending", function()
    local child = helper.lua(([[
local lsock = require "lsock"
local ctx = assert(lsock.tls.context { mode = "server", certfile = %q, keyfile = %q })
local srv = assert(lsock.server.tcp { host = "127.0.0.1", port = 0, tls = ctx, timeout = 5,
  mode = "select", deadline = 20, handler = function(c)
    local d = c:recv(6)   -- less than the record holds
    if not d or d == "" then return false end
    c:sendall(d:upper())
    return true
  end })
io.stdout:setvbuf("line")
print(tostring(srv.addr))
srv:run()
]]):format(certs.server, certs.server_key))
    defer(function() child:cleanup() end)
    local _, port = child:address()
    local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
    defer(function() c:close() end)
    assert(c:sendall("hello world!"))   -- one record of 12 bytes
    local got = ""
    while #got < 12 do got = got .. assert(c:recv(100)) end
    assert.equal("HELLO WORLD!", got)
  end)

  it("picks a certificate by SNI", function()
    local child, port = server([[tls.context { mode = "server", certfile = certs.server,
      keyfile = certs.server_key, sni = function(name)
        if name == "other.test" then
          return assert(tls.context { mode = "server", certfile = certs.other,
                                      keyfile = certs.other_key })
        end
      end }]])
    defer(function() child:cleanup() end)
    for _, name in ipairs { "other.test", "localhost" } do
      local c = assert(tls.connect("127.0.0.1", port,
        { cafile = certs.ca, servername = name, timeout = helper.T }))
      assert.equal("CN=" .. name, c:peercert().subject)
      assert.equal(name .. " -\n", c:recv(100))
      c:close()
    end
  end)

  it("refuses a client without a certificate under verify = \"require\", takes one with",
     function()
    local child, port = server([[tls.context { mode = "server", certfile = certs.server,
      keyfile = certs.server_key, cafile = certs.ca, verify = "require" }]])
    defer(function() child:cleanup() end)
    -- TLS 1.3: the client's handshake ends before the server checks, so
    -- the refusal shows at the first read.
    local c = tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T })
    local ok, msg
    if c then ok, msg = c:recv(100); c:close() end
    assert.is_nil(ok)
    assert.matches("certificate required", msg)
    assert.matches("^tls handshake: ", child:line())
    c = assert(tls.connect("localhost", port, { cafile = certs.ca, certfile = certs.client,
      keyfile = certs.client_key, timeout = helper.T }))
    assert.equal("localhost CN=lsock client\n", c:recv(100))
    c:close()
  end)
end)

describe("lsock.tls in lsock.loop", function()
  local certs
  setup(function() certs = support.certs() end)

  it("yields in the handshake and in recv while other tasks run", function()
    local p, port = support.python_server(certs, [[
import time
ctx.sni_callback = lambda sock, name, c: time.sleep(0.3)
]], [[
time.sleep(0.3)
conn.sendall(b"late hello")
conn.unwrap()
]])
    defer(function() p:cleanup() end)
    local loop = lsock.loop
    local ticks, got, during = 0, nil, nil
    loop.spawn(function()
      local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
      during = ticks
      assert.equal("lsock.tls.loopconnection", getmetatable(c).__name)
      got = assert(c:recv(100))
      assert.equal("", c:recv(100))
      c:close()
    end)
    loop.spawn(function()
      while got == nil and ticks < 500 do ticks = ticks + 1; loop.sleep(0.01) end
    end)
    loop.run()
    assert.equal("late hello", got)
    -- The ticker ran during the handshake and during the read.
    assert.is_true(during >= 5, tostring(during))
    assert.is_true(ticks - during >= 5, tostring(ticks - during))
  end)
end)

describe("the TLS examples", function()
  local certs
  setup(function() certs = support.certs() end)

  for _, name in ipairs { "https_get.lua", "tls_echo_server.lua" } do
    it(name .. " prints its usage on -h and on bad arguments", function()
      local p = helper.example(name, { "-h" })
      local out, code = p:finish()
      p:cleanup()
      assert.equal(0, code)
      assert.truthy(out:find("^usage: " .. name:gsub("%.", "%%.")))
      p = helper.example(name, { "-x" })
      out, code = p:finish()
      local err = p:stderr()
      p:cleanup()
      assert.equal(2, code)
      assert.equal("", out)
      assert.truthy(err:find("usage: " .. name, 1, true))
    end)
  end

  it("https_get.lua fetches from openssl s_server -www, verified; refuses the wrong CA", function()
    local p, port = support.s_server(("-cert %s -key %s -www -alpn http/1.1")
                                     :format(certs.server, certs.server_key))
    defer(function() p:cleanup() end)
    local g = helper.example("https_get.lua",
      { "-alpn", "-ca", certs.ca, ("https://localhost:%d/"):format(port) })
    defer(function() g:cleanup() end)
    local out, code = g:finish()
    assert.equal(0, code, g:stderr())
    assert.matches("^HTTP/1.0 200 ok\r\n", out)
    assert.matches("TLSv1.3 fd=%d+ localhost%) %S+ alpn=http/1.1\n$", g:stderr())
    local bad = helper.example("https_get.lua",
                               { "-ca", certs.ca2, ("https://localhost:%d/"):format(port) })
    defer(function() bad:cleanup() end)
    out, code = bad:finish()
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("certificate verify failed: unable to get local issuer certificate\n$",
                   bad:stderr())
    local k = helper.example("https_get.lua", { "-k", ("https://127.0.0.1:%d/"):format(port) })
    defer(function() k:cleanup() end)
    out, code = k:finish()
    assert.equal(0, code, k:stderr())
    assert.matches("^HTTP/1.0 200 ok\r\n", out)
    assert.matches("unverified%)", k:stderr())
  end)

  it("tls_echo_server.lua demands client certificates with -ca", function()
    local p = helper.example("tls_echo_server.lua",
      { "-ca", certs.ca, certs.server, certs.server_key, "0" })
    defer(function() p:cleanup() end)
    local _, port = p:address()
    local c = assert(tls.connect("localhost", port, { cafile = certs.ca, certfile = certs.client,
      keyfile = certs.client_key, timeout = helper.T }))
    local st = lsock.stream.wrap(c)
    defer(function() st:close() end)
    assert(st:write("mutual\n"))
    assert(st:flush())
    assert.equal("mutual", st:read("l"))
    local out = helper.output(("printf 'x\\n\\n' | timeout 10 openssl s_client -quiet"
      .. " -CAfile %s -connect 127.0.0.1:%d 2>&1"):format(certs.ca, port))
    assert.matches("certificate required", out)
  end)
end)
