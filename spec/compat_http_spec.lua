-- LuaSocket's own pure-Lua modules (Debian's lua-socket: socket.http,
-- socket.smtp, ltn12) run unchanged over lsock.compat: each script runs in
-- a child lua5.4 once on LuaSocket and once after compat.install(), and
-- both must print the same thing.
local helper = require "helper"

local function defer(fn) helper.defer(finally, fn) end

-- Runs `body` in a child with LuaSocket ("luasocket") or compat.
local function run(impl, body)
  local prelude = impl == "compat" and 'require("lsock.compat").install()\n' or ""
  local p = helper.lua(prelude .. body)
  local out, code = p:finish()
  local err = p:stderr()
  p:cleanup()
  assert(code == 0, impl .. " child failed: " .. err)
  return out
end

local function same(body)
  local ref = run("luasocket", body)
  local got = run("compat", body)
  assert.equal(ref, got)
  return got
end

describe("socket.http over lsock.compat", function()
  local port, peer
  setup(function()
    peer = helper.spawn("python3 -u spec/compat_httpd.py", nil, { clean = true })
    port = math.tointeger(tonumber(peer:line()))
    assert(port, peer:stderr())
  end)
  teardown(function() peer:cleanup() end)

  it("fetches a body with its status and headers", function()
    local out = same(([[
      local http = require "socket.http"
      local body, code, headers, status = http.request("http://127.0.0.1:%d/plain")
      print(("%%q"):format(body), code, headers["x-test"], headers["content-length"], status)
    ]]):format(port))
    assert.matches('200%s+yes%s+13%s+HTTP/1.1 200 OK', out)
  end)

  it("reads a chunked response and follows a redirect", function()
    local out = same(([[
      local http = require "socket.http"
      local body, code = http.request("http://127.0.0.1:%d/chunked")
      print(#body, body:sub(1, 12), code)
      body, code = http.request("http://127.0.0.1:%d/redirect")
      print(body == "hello\r\nworld\n", code)
    ]]):format(port, port))
    assert.matches("5008%s+one,two,thre%s+200", out)
    assert.matches("\ntrue%s+200", out)
  end)

  it("posts through ltn12 sources and sinks, and reports a refused connect", function()
    local out = same(([[
      local http, ltn12 = require "socket.http", require "ltn12"
      local t = {}
      local ok, code = http.request { url = "http://127.0.0.1:%d/post", method = "POST",
        source = ltn12.source.string("abcdef"), headers = { ["content-length"] = 6 },
        sink = ltn12.sink.table(t) }
      print(ok, code, table.concat(t))
      print(http.request("http://127.0.0.1:1/"))
    ]]):format(port))
    assert.matches("1%s+200%s+fedcba", out)
    assert.matches("nil%s+connection refused", out)
  end)
end)

describe("ltn12 pumps over compat sockets", function()
  it("pumps a 1 MB file through socket.sink and socket.source", function()
    same([[
      local socket, ltn12 = require "socket", require "ltn12"
      local srv = assert(socket.bind("127.0.0.1", 0))
      local _, port = srv:getsockname()
      local c = assert(socket.connect("127.0.0.1", port))
      local a = assert(srv:accept())
      local data = {}
      for i = 1, 1 << 14 do data[i] = ("%063d\n"):format(i) end
      data = table.concat(data)
      -- The sender runs in a coroutine step by step so neither side blocks.
      c:settimeout(0); a:settimeout(5)
      local sink = socket.sink("close-when-done", c)
      local src = ltn12.source.string(data)
      local got = {}
      local rsrc = socket.source("until-closed", a)
      local rsink = ltn12.sink.table(got)
      c:settimeout(5)
      local co = coroutine.wrap(function()
        assert(ltn12.pump.all(src, sink))
      end)
      -- The payload fits the loopback buffers, so the send completes.
      co()
      assert(ltn12.pump.all(rsrc, rsink))
      local s = table.concat(got)
      print(#s, s == data)
    ]])
  end)
end)

local SMTP = [[
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept(); f = c.makefile("rb")
def say(s): c.sendall(s.encode() + b"\r\n")
say("220 peer ready")
msg = []
while True:
    line = f.readline()
    if not line: break
    cmd = line.decode().strip().upper()
    if cmd.startswith("EHLO") or cmd.startswith("HELO"): say("250 ok")
    elif cmd.startswith("MAIL") or cmd.startswith("RCPT"): say("250 ok"); msg.append(cmd)
    elif cmd == "DATA":
        say("354 go")
        while True:
            d = f.readline()
            if d == b".\r\n" or not d: break
            msg.append(d.decode().rstrip("\r\n"))
        say("250 queued")
    elif cmd == "QUIT": say("221 bye"); break
    else: say("500 what")
print("\n".join(m for m in msg if not m.lower().startswith("date:")), flush=True)
]]

describe("socket.smtp over lsock.compat", function()
  it("sends a message to a python3 SMTP peer", function()
    local outs = {}
    for _, impl in ipairs { "luasocket", "compat" } do
      local peer = helper.python(SMTP)
      defer(function() peer:cleanup() end)
      local port = math.tointeger(tonumber(peer:line()))
      outs[impl] = run(impl, ([[
        local smtp = require "socket.smtp"
        print(smtp.send {
          from = "<a@example.org>", rcpt = "<b@example.org>",
          server = "127.0.0.1", port = %d,
          source = smtp.message { headers = { subject = "hi", to = "b@example.org" },
            body = "line one\r\n.dot line\r\nend" } })
      ]]):format(port))
      outs[impl .. " peer"] = peer:rest()
    end
    assert.equal("1\n", outs.compat)
    assert.equal(outs.luasocket, outs.compat)
    -- Header order follows table order, and X-Mailer names the version.
    local function lines(text)
      local t = {}
      for l in text:gmatch("[^\n]+") do
        if not l:match("^X%-Mailer") then t[#t + 1] = l end
      end
      table.sort(t)
      return t
    end
    assert.same(lines(outs["luasocket peer"]), lines(outs["compat peer"]))
    assert.matches("RCPT TO:<B@EXAMPLE.ORG>", outs["compat peer"], 1, true)
    assert.matches("..dot line", outs["compat peer"], 1, true)
  end)
end)


describe("socket.ftp over lsock.compat", function()
  -- spec/compat_ftpd.py: a small FTP responder on 127.0.0.1 (EPSV data
  -- connections, files in memory).  Each script runs on LuaSocket and on
  -- compat, one session after the other, and must print the same.
  local port, peer
  setup(function()
    peer = helper.spawn("python3 -u spec/compat_ftpd.py", nil, { clean = true })
    port = math.tointeger(tonumber(peer:line()))
    assert(port, peer:stderr())
  end)
  teardown(function() peer:cleanup() end)

  it("gets a file by URL, ASCII and binary", function()
    local out = same(([[
      local ftp = require "socket.ftp"
      local body, err = ftp.get("ftp://u:p@127.0.0.1:%d/hello.txt;type=a")
      print(("%%q"):format(body), err)
      local bin = ftp.get("ftp://u:p@127.0.0.1:%d/big.bin;type=i")
      local ok = #bin == 256 * 4096
      for i = 1, #bin, 4099 do ok = ok and bin:byte(i) == (i - 1) %% 256 end
      print(#bin, ok)
    ]]):format(port, port))
    assert.equal('"hello over ftp\\13\\\nsecond line\\\n"\tnil\n1048576\ttrue\n', out)
  end)

  it("puts a file from an ltn12 source and gets it back", function()
    local out = same(([[
      local ftp, ltn12 = require "socket.ftp", require "ltn12"
      local data = ("0123456789"):rep(50000) .. "\n"
      local sent, err = ftp.put {
        host = "127.0.0.1", port = %d, user = "u", password = "p",
        path = "up.txt", type = "i", source = ltn12.source.string(data) }
      print(math.tointeger(sent), err)  -- LuaSocket 3.0 counts in floats
      local t = {}
      print(ftp.get { host = "127.0.0.1", port = %d, user = "u", password = "p",
        path = "up.txt", type = "i", sink = ltn12.sink.table(t) })
      print(table.concat(t) == data)
    ]]):format(port, port))
    assert.equal("500001\tnil\n1\ntrue\n", out)
  end)

  it("reports the server's error for a missing file", function()
    local out = same(([[
      local ftp = require "socket.ftp"
      print(ftp.get("ftp://u:p@127.0.0.1:%d/missing.txt"))
    ]]):format(port))
    assert.equal("nil\t550 no such file\n", out)
  end)
end)

describe("compat.install and SIGPIPE", function()
  local WRITE = [[
    local p = io.popen("true", "w")
    os.execute("sleep 0.3")
    print(p:write(("x"):rep(1 << 20)) and p:flush())
    print("alive")
  ]]

  -- The child starts with SIGPIPE at its default and unblocked, whatever
  -- busted inherited or loaded (LuaSocket's core ignores SIGPIPE on load).
  local function child(script)
    local launch = "python3 -c " .. helper.quote("import os, signal; "
      .. "signal.signal(signal.SIGPIPE, signal.SIG_DFL); "
      .. "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGPIPE}); "
      .. "os.execvp('" .. helper.LUA .. "', ['" .. helper.LUA .. "', '-'])")
    return helper.spawn(launch, script)
  end

  it("keeps the process alive when a peer goes mid-write, as LuaSocket does", function()
    local p = child('require("lsock.compat").install()\n' .. WRITE)
    local out, code = p:finish()
    p:cleanup()
    assert.equal(0, code)
    assert.matches("alive", out)
  end)

  it("leaves SIGPIPE alone with sigpipe = \"default\"", function()
    local p = child('require("lsock.compat").install { sigpipe = "default" }\n' .. WRITE)
    local out, code = p:finish()
    p:cleanup()
    assert.not_matches("alive", out)
    assert.not_equal(0, code)
  end)
end)
