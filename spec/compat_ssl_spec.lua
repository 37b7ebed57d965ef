-- LuaSec (Debian's lua-sec) over lsock.compat: ssl.wrap takes a compat
-- socket's descriptor (getfd, then setfd(-1)) and does its own I/O on it.
-- The peers are `openssl s_server` and a python3 TLS server; the key and
-- certificate are made at run time in a temporary directory and removed.
-- Each client runs in a child lua5.4, so that its exit status shows how it
-- ended.
local helper = require "helper"

local dir, cert, key

setup(function()
  dir = helper.output("mktemp -d"):gsub("%s+$", "")
  cert, key = dir .. "/cert.pem", dir .. "/key.pem"
  assert(helper.sh(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
    .. "-subj /CN=localhost -keyout %s -out %s >/dev/null 2>&1")
    :format(helper.quote(key), helper.quote(cert))))
end)

teardown(function()
  if dir and dir:match("^/tmp/") then helper.sh("rm -rf " .. helper.quote(dir)) end
end)

-- A TLS client over LuaSocket's API: connects to port, wraps, shakes
-- hands; `body` then uses `s` (the LuaSec object) and `c` (the socket).
local CLIENT = [[
local socket = require "socket"
local ssl = require "ssl"
local c = assert(socket.tcp())
c:settimeout(10)
assert(c:connect("127.0.0.1", %d))
local fd = c:getfd()
local s = assert(ssl.wrap(c, { mode = "client", protocol = "any",
  verify = "none", options = "all" }))
s:settimeout(10)
assert(s:dohandshake())
print("descriptor handed over", fd >= 0, c:getfd() == -1, s:getfd() == fd)
%s
]]

-- Runs the client in a child: with compat.install() first for "compat",
-- on LuaSocket itself for "luasocket".  `launch` wraps the command.
local function client(impl, port, body, launch)
  local prelude = impl == "compat" and 'require("lsock.compat").install()\n' or ""
  local script = prelude .. CLIENT:format(port, body)
  if launch then return helper.spawn(launch, script) end
  return helper.lua(script)
end

describe("LuaSec's ssl.wrap over lsock.compat", function()
  it("shakes hands and exchanges a request and response with openssl s_server", function()
    -- -www answers a GET with a status page; -naccept 1 per client run.
    local function server()
      local p = helper.spawn(("stdbuf -oL openssl s_server -accept 127.0.0.1:0 "
        .. "-cert %s -key %s -www -naccept 1"):format(
        helper.quote(cert), helper.quote(key)), nil, { clean = true })
      local port
      for _ = 1, 5 do
        local line = p:line()
        if not line then break end
        port = math.tointeger(tonumber(line:match("^ACCEPT [%d.]+:(%d+)")))
        if port then break end
      end
      assert(port, "no ACCEPT line: " .. p:stderr())
      return p
      , port
    end
    local body = [[
assert(s:send("GET / HTTP/1.0\r\n\r\n"))
print((s:receive("*l")))
local rest, err = s:receive("*a")
print(err, rest:find("Cipher", 1, true) ~= nil)
s:close()
]]
    local outs = {}
    for _, impl in ipairs { "luasocket", "compat" } do
      local srv, port = server()
      local p = client(impl, port, body)
      local out, code = p:finish()
      local err = p:stderr()
      p:cleanup()
      srv:cleanup()
      assert.equal(0, code, impl .. " client failed: " .. err)
      outs[impl] = out
    end
    assert.equal(outs.luasocket, outs.compat)
    assert.equal("descriptor handed over\ttrue\ttrue\ttrue\n"
      .. "HTTP/1.0 200 ok\nnil\ttrue\n", outs.compat)
  end)

  -- A peer that shakes hands and closes at once, so that the client's
  -- writes meet a reset connection: EPIPE, which LuaSec's own send(2)
  -- (no MSG_NOSIGNAL) turns into SIGPIPE unless the signal is ignored.
  local PEER = [[
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1); l.settimeout(20)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
t = ctx.wrap_socket(c, server_side=True)
t.close()
]]
  local WRITE = [[
socket.sleep(0.5)  -- the peer's FIN is in: the next write draws a reset
local chunk = ("x"):rep(65536)
local ok, err
for _ = 1, 200 do
  ok, err = s:send(chunk)
  if not ok then break end
  socket.sleep(0.01)
end
print("send failed", ok == nil, type(err))
print("alive")
]]

  -- The child starts with SIGPIPE at its default (busted has LuaSocket
  -- loaded, which ignores it, and children would inherit that).
  local LAUNCH = "python3 -c " .. helper.quote("import os, signal; "
    .. "signal.signal(signal.SIGPIPE, signal.SIG_DFL); "
    .. "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGPIPE}); "
    .. "os.execvp('" .. helper.LUA .. "', ['" .. helper.LUA .. "', '-'])")

  local function midwrite(prelude)
    local peer = helper.python(PEER, cert, key)
    local port = math.tointeger(tonumber(peer:line()))
    assert(port, peer:stderr())
    local script = prelude .. CLIENT:format(port, WRITE)
    local p = helper.spawn(LAUNCH, script)
    local out, code, how = p:finish()
    local err = p:stderr()
    p:cleanup()
    peer:cleanup()
    return out, code, how, err
  end

  it("survives a peer that closes mid-write: an error, not SIGPIPE", function()
    local out, code, _, err = midwrite('require("lsock.compat").install()\n')
    assert.equal(0, code, err)
    assert.matches("send failed\ttrue\tstring\nalive\n", out, 1, true)
  end)

  it("dies of that SIGPIPE with install{sigpipe = \"default\"} (the peer does draw one)", function()
    local out, code = midwrite('require("lsock.compat").install { sigpipe = "default" }\n')
    assert.not_matches("alive", out, 1, true)
    -- 128 + SIGPIPE from the shell in front, or the signal itself.
    assert.is_true(code == 141 or code == 13, "exit " .. tostring(code))
  end)
end)
