-- The example programs, each run as its own lua5.4 process against a real
-- peer: python3 or its paired Lua example.  Servers bind port 0 on loopback,
-- print their address first, and exit after `-n count` clients or datagrams.
local helper = require "helper"
local lsock = helper.lsock

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(180, "spec/examples_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

-- Starts a server example on loopback, port 0; returns the process and port.
local function server(name, count, host)
  local p = helper.example(name, { "-n", tostring(count), "-b", host or "127.0.0.1", "0" })
  local line, port = p:address()
  assert(port and port > 0, "bad address line: " .. line)
  return p, port, line
end

-- Runs an example to its end; returns stdout, exit code and stderr.
local function run(name, args, input)
  local p = helper.example(name, args, input)
  local out, code = p:finish()
  local err = p:stderr()
  p:cleanup()
  return out, code, err
end

local function lines(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

describe("every example", function()
  local all = {
    "udp_counter_server.lua", "udp_client.lua", "tcp_uppercase_server.lua",
    "tcp_uppercase_client.lua", "tcp_int_server.lua", "unix_bind.lua",
  }
  for _, name in ipairs(all) do
    it(name .. " prints its usage on -h and on bad arguments", function()
      local out, code = run(name, { "-h" })
      assert.equal(0, code)
      assert.truthy(out:find("^usage: " .. name:gsub("%.", "%%.")))
      local out2, code2, err2 = run(name, { "-x", "not-a-port", "1", "2", "3" })
      assert.equal(2, code2)
      assert.equal("", out2)
      assert.truthy(err2:find("usage: " .. name, 1, true))
    end)
  end
end)

describe("udp_counter_server.lua", function()
  it("prints each sender and answers with a counter (python3 client)", function()
    local p, port, first = server("udp_counter_server.lua", 3)
    defer(function() p:cleanup() end)
    assert.equal("127.0.0.1:" .. port, first)
    local py = helper.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
for word in ("one", "two", "three"):
    s.sendto(word.encode(), ("127.0.0.1", int(sys.argv[1])))
    print(s.recv(100).decode().strip(), flush=True)
print(s.getsockname()[1])
]], tostring(port))
    defer(function() py:cleanup() end)
    local pyout, pycode = py:finish()
    assert.equal(0, pycode, py:stderr())
    local got = lines(pyout)
    assert.same({ "1", "2", "3" }, { got[1], got[2], got[3] })
    local sender = "127.0.0.1:" .. got[4]
    local out, code = p:finish()
    assert.equal(0, code, p:stderr())
    assert.same({ sender .. " one", sender .. " two", sender .. " three" }, lines(out))
  end)

  it("serves udp_client.lua, one datagram per client run", function()
    local p, port = server("udp_counter_server.lua", 2)
    defer(function() p:cleanup() end)
    for i, word in ipairs { "hello", "again" } do
      local out, code, err = run("udp_client.lua", { "127.0.0.1", tostring(port), word })
      assert.equal(0, code, err)
      assert.equal(i .. "\n", out)
    end
    local out, code = p:finish()
    assert.equal(0, code, p:stderr())
    local got = lines(out)
    assert.equal(2, #got)
    assert.truthy(got[1]:find("^127%.0%.0%.1:%d+ hello$"))
    assert.truthy(got[2]:find("^127%.0%.0%.1:%d+ again$"))
  end)

  it("serves over IPv6 when bound to ::1", function()
    local p, port, first = server("udp_counter_server.lua", 1, "::1")
    defer(function() p:cleanup() end)
    assert.equal("[::1]:" .. port, first)
    local out, code, err = run("udp_client.lua", { "::1", tostring(port), "six" })
    assert.equal(0, code, err)
    assert.equal("1\n", out)
    local sout = p:finish()
    assert.truthy(sout:find("^%[::1%]:%d+ six\n$"))
  end)
end)

describe("udp_client.lua", function()
  it("prints the reply of a python3 server and gives up on silence", function()
    local py = helper.python([[
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(20)
print(s.getsockname()[1], flush=True)
data, peer = s.recvfrom(100)
s.sendto(data.upper() + b" from python", peer)
data, peer = s.recvfrom(100)   # the second one is not answered
]])
    defer(function() py:cleanup() end)
    local port = assert(py:line(), py:stderr())
    local out, code, err = run("udp_client.lua", { "localhost", port, "shout" })
    assert.equal(0, code, err)
    assert.equal("SHOUT from python\n", out)
    local t0 = helper.now()
    local out2, code2, err2 = run("udp_client.lua", { "127.0.0.1", port, "anyone?" })
    assert.equal(1, code2)
    assert.equal("", out2)
    assert.truthy(err2:find("timeout", 1, true))
    assert.truthy(helper.now() - t0 < 10)
  end)
end)

describe("tcp_uppercase_server.lua", function()
  it("capitalises what tcp_uppercase_client.lua sends, client after client", function()
    local p, port = server("tcp_uppercase_server.lua", 2)
    defer(function() p:cleanup() end)
    local out, code, err = run("tcp_uppercase_client.lua", { "127.0.0.1", tostring(port) },
      "hello\nsockets in Lua\n")
    assert.equal(0, code, err)
    assert.equal("HELLO\nSOCKETS IN LUA\n", out)
    local out2, code2, err2 = run("tcp_uppercase_client.lua", { "localhost", tostring(port) },
      "second client\n")
    assert.equal(0, code2, err2)
    assert.equal("SECOND CLIENT\n", out2)
    local sout, scode = p:finish()
    assert.equal(0, scode, p:stderr())
    local got = lines(sout)
    assert.equal(4, #got)
    assert.truthy(got[1]:find("^connection from 127%.0%.0%.1:%d+$"))
    assert.truthy(got[2]:find("^closed 127%.0%.0%.1:%d+$"))
    assert.truthy(got[3]:find("^connection from "))
  end)

  it("answers a python3 client that sends in pieces", function()
    local p, port = server("tcp_uppercase_server.lua", 1)
    defer(function() p:cleanup() end)
    local py = helper.python([[
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
for piece in (b"abc", b"def\n", b"xyz"):
    c.sendall(piece)
    time.sleep(0.05)
c.shutdown(socket.SHUT_WR)
reply = b""
while True:
    b = c.recv(100)
    if not b:
        break
    reply += b
print(reply.decode(), end="")
]], tostring(port))
    defer(function() py:cleanup() end)
    local out, code = py:finish()
    assert.equal(0, code, py:stderr())
    assert.equal("ABCDEF\nXYZ", out)
    assert.equal(0, (p:wait()))
  end)
end)

describe("tcp_uppercase_client.lua", function()
  it("works against a python3 server and reports a refused connection", function()
    local py = helper.python([[
import socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
l.settimeout(20)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.settimeout(20)
while True:
    b = c.recv(100)
    if not b:
        break
    c.sendall(b.upper())
]])
    defer(function() py:cleanup() end)
    local port = assert(py:line(), py:stderr())
    local out, code, err = run("tcp_uppercase_client.lua", { "127.0.0.1", port }, "py\n")
    assert.equal(0, code, err)
    assert.equal("PY\n", out)
    assert.equal(0, (py:wait()))
    -- The python server has exited: nobody listens on that port now.
    local out2, code2, err2 = run("tcp_uppercase_client.lua", { "127.0.0.1", port }, "x\n")
    assert.equal(1, code2)
    assert.equal("", out2)
    assert.truthy(err2:find("refused", 1, true))
  end)
end)

describe("tcp_int_server.lua", function()
  it("answers each integer with the next one (python3 clients)", function()
    local p, port = server("tcp_int_server.lua", 2)
    defer(function() p:cleanup() end)
    local py = helper.python([[
import socket, sys
for payload in (b"41\n-1\n9007199254740993\nforty\n", b"  7  "):
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
    c.sendall(payload)
    c.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        b = c.recv(100)
        if not b:
            break
        reply += b
    print(reply.decode(), end="")
    c.close()
]], tostring(port))
    defer(function() py:cleanup() end)
    local out, code = py:finish()
    assert.equal(0, code, py:stderr())
    assert.equal("42\n0\n9007199254740994\nerror: not an integer\n8\n", out)
    local sout, scode = p:finish()
    assert.equal(0, scode, p:stderr())
    assert.truthy(sout:find("got 41\n", 1, true))
  end)

  it("serves a lsock client over IPv6", function()
    local p, port, first = server("tcp_int_server.lua", 1, "::1")
    defer(function() p:cleanup() end)
    assert.equal("[::1]:" .. port, first)
    local c <close> = assert(lsock.socket("inet6", "stream"))
    assert(c:settimeout(helper.T))
    assert(c:connect("::1", port))
    assert(c:sendall("99\n"))
    assert(c:shutdown("wr"))
    assert.equal("100\n", helper.recv_all(c))
    assert.equal(0, (p:wait()))
  end)
end)

describe("unix_bind.lua", function()
  it("binds a path, shows its address, and removes the file on exit", function()
    local path, remove = helper.tmppath()
    defer(remove)
    local out, code, err = run("unix_bind.lua", { path })
    assert.equal(0, code, err)
    local got = lines(out)
    assert.equal(path, got[1])
    assert.truthy(got[2]:find("family unix, " .. #path .. " bytes", 1, true))
    assert.is_nil(io.open(path))
  end)

  it("accepts a python3 client while it waits", function()
    local path, remove = helper.tmppath()
    defer(remove)
    local p = helper.example("unix_bind.lua", { "-w", "10", path })
    defer(function() p:cleanup() end)
    assert.equal(path, p:line())
    local py = helper.python([[
import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.bind(sys.argv[1] + ".client")
c.connect(sys.argv[1])
c.close()
import os; os.remove(sys.argv[1] + ".client")
]], path)
    defer(function() py:cleanup() end)
    assert.equal(0, (py:wait()), py:stderr())
    local out, code = p:finish()
    assert.equal(0, code, p:stderr())
    assert.truthy(out:find("a client connected from " .. path .. ".client", 1, true))
  end)

  it("binds an abstract name given as @name, printed with @", function()
    local name = "@lsock-unix-bind-" .. helper.pid
    local out, code, err = run("unix_bind.lua", { name })
    assert.equal(0, code, err)
    local got = lines(out)
    assert.equal(name, got[1])
    assert.truthy(got[2]:find("abstract", 1, true))
  end)

  it("reports EADDRINUSE for an existing file", function()
    local path, remove = helper.tmppath()
    defer(remove)
    local f = assert(io.open(path, "w"))
    f:close()
    local out, code, err = run("unix_bind.lua", { path })
    assert.equal(1, code)
    assert.equal("", out)
    assert.truthy(err:find("Address already in use", 1, true))
  end)
end)

describe("tour.lua", function()
  it("narrates a loopback tour and finishes by itself", function()
    local t0 = helper.now()
    local out, code, err = run("tour.lua")
    assert.equal(0, code, err)
    assert.truthy(helper.now() - t0 < 10)
    for _, want in ipairs {
      "127.0.0.1:7777", "[::1]:7777", "/tmp/tour.sock",
      "the client sent \"hello, lsock\" and the server echoed \"hello, lsock\"",
      "end of stream", "the server got \"ping\"", "the client got \"pong\"",
      "getaddrinfo('localhost', '7777')", "ECONNREFUSED (111)", "End of the tour.",
    } do
      assert(out:find(want, 1, true), ("%q missing from the tour:\n%s"):format(want, out))
    end
  end)
end)

describe("examples/loop_timers.lua", function()
  it("pings on a timer, reads with timeouts, resolves without blocking", function()
    local out, code, err = run("loop_timers.lua", { "3" })
    assert.equal(0, code, err)
    assert.same({ "resolved localhost -> 127.0.0.1", "pong 1", "pong 2", "pong 3",
                  "silent server: timeout", "done" }, lines(out))
  end)
end)
