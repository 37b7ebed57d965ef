-- lsock.tls against real peers: openssl s_server, a python3 ssl server,
-- curl, openssl s_client and python3 clients, with certificates made at
-- run time (spec/support_tls.lua).  Everything stays on 127.0.0.1.
local helper = require "helper"
local support = require "support_tls"
local lsock = helper.lsock
local tls = require "lsock.tls"
local E = lsock.errno

local function defer(fn) helper.defer(finally, fn) end

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
