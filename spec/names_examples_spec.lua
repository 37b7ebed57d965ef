-- The examples of the name-service issue, run as programs against python3
-- peers: name2ip, ip2name, dualstack_server/client, udp_uppercase_*.
local S = require "spec.support_names"

local PY_TCP_CLIENT = [[
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(10)
s.connect((host, port))
s.sendall(b"hello")
print(s.recv(100).decode(), flush=True)
]]

-- Dual-stack python3 server: prints its port, then answers one client
-- with "py:" and its data in upper case, and exits.
local PY_TCP_SERVER = [[
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
s.listen(4)
s.settimeout(10)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(10)
data = b""
while not data.endswith(b"\n"):
    d = c.recv(100)
    if not d:
        break
    data += d
c.sendall(b"py:" + data.upper())
c.close()
]]

local PY_UDP_CLIENT = [[
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
for _ in range(3):
    s.sendto(sys.argv[3].encode(), (host, port))
    try:
        print(s.recv(100).decode(), flush=True)
        break
    except socket.timeout:
        pass
]]

local PY_UDP_SERVER = [[
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(10)
print(s.getsockname()[1], flush=True)
data, peer = s.recvfrom(100)
s.sendto(data.upper(), peer)
]]

describe("examples/name2ip.lua", function()
  it("prints the addresses of localhost", function()
    local out, ok = S.run(S.example("name2ip.lua", "localhost"))
    assert.is_true(ok, out)
    assert.truthy(out:find("inet\t127.0.0.1\n", 1, true), out)
  end)

  it("prints the port of a service", function()
    local out, ok = S.run(S.example("name2ip.lua", "::1", "http"))
    assert.is_true(ok, out)
    assert.equal("inet6\t::1\t80\n", out)
  end)

  it("prints a usage line without arguments", function()
    local out, ok, code = S.run(S.example("name2ip.lua"))
    assert.is_false(ok)
    assert.equal(2, code)
    assert.truthy(out:find("^usage: "), out)
  end)

  it("fails with the resolver's message on a bad name", function()
    local out, ok, code = S.run(S.example("name2ip.lua", "no-such-host.invalid"))
    assert.is_false(ok)
    assert.equal(1, code)
    assert.truthy(out:find("^no%-such%-host%.invalid: "), out)
  end)
end)

describe("examples/ip2name.lua", function()
  it("names 127.0.0.1 and its port", function()
    local out, ok = S.run(S.example("ip2name.lua", "127.0.0.1", "22"))
    assert.is_true(ok, out)
    assert.equal("localhost\tssh\n", out)
  end)

  it("rejects a bad address and prints usage without one", function()
    local out, ok, code = S.run(S.example("ip2name.lua", "not-an-ip"))
    assert.is_false(ok)
    assert.equal(1, code)
    assert.truthy(out:find("invalid address"), out)
    out, ok, code = S.run(S.example("ip2name.lua"))
    assert.is_false(ok)
    assert.equal(2, code)
    assert.truthy(out:find("^usage: "), out)
  end)
end)

describe("examples/dualstack_server.lua", function()
  it("serves python3 clients over IPv4 and IPv6", function()
    local srv, first = S.spawn(S.example("dualstack_server.lua", "0", "2"))
    local port = S.port(first)
    local cmd4, f4 = S.python(PY_TCP_CLIENT, "127.0.0.1", port)
    local cmd6, f6 = S.python(PY_TCP_CLIENT, "::1", port)
    finally(function() srv:close() os.remove(f4) os.remove(f6) end)
    assert.truthy(first:find("^%[::%]:%d+$"), first)
    assert.equal("::ffff:127.0.0.1 hello\n", (S.run(cmd4)))
    assert.equal("::1 hello\n", (S.run(cmd6)))
    local rest = srv:read("a")
    assert.truthy(rest:find("connection from [::ffff:127.0.0.1]:", 1, true),
      rest)
    assert.truthy(rest:find("connection from [::1]:", 1, true), rest)
  end)

  it("prints a usage line for a bad port", function()
    local out, ok, code = S.run(S.example("dualstack_server.lua", "x"))
    assert.is_false(ok)
    assert.equal(2, code)
    assert.truthy(out:find("^usage: "), out)
  end)
end)

describe("examples/dualstack_client.lua", function()
  for _, host in ipairs({ "127.0.0.1", "::1", "localhost" }) do
    it("talks to a python3 server at " .. host, function()
      local cmd, file = S.python(PY_TCP_SERVER)
      local py, first = S.spawn(cmd)
      finally(function() py:close() os.remove(file) end)
      local out, ok = S.run(S.example("dualstack_client.lua", host,
        S.port(first), "ping"))
      assert.is_true(ok, out)
      -- localhost may resolve to ::1, 127.0.0.1 or both, by /etc/hosts.
      local reached = out:match("^connected to (.-):(%d+)\n")
      if host == "::1" then assert.equal("[::1]", reached, out)
      elseif host == "127.0.0.1" then assert.equal("127.0.0.1", reached, out)
      else assert.is_true(reached == "[::1]" or reached == "127.0.0.1", out)
      end
      assert.truthy(out:find("^connected to .-:" .. S.port(first) .. "\n"),
        out)
      assert.truthy(out:find("\npy:PING\n$"), out)
    end)
  end

  it("fails with a message when nothing listens", function()
    local lsock = require "lsock"
    local port = S.deadport(lsock, "127.0.0.1")
    local out, ok, code = S.run(S.example("dualstack_client.lua",
      "127.0.0.1", port))
    assert.is_false(ok)
    assert.equal(1, code)
    assert.truthy(out:find("Connection refused"), out)
    out, ok, code = S.run(S.example("dualstack_client.lua"))
    assert.is_false(ok)
    assert.equal(2, code)
    assert.truthy(out:find("^usage: "), out)
  end)
end)

describe("examples/udp_uppercase_server.lua", function()
  it("answers python3 clients over IPv4 and IPv6", function()
    local srv, first = S.spawn(S.example("udp_uppercase_server.lua", "0", "2"))
    local port = S.port(first)
    local cmd4, f4 = S.python(PY_UDP_CLIENT, "127.0.0.1", port, "abc")
    local cmd6, f6 = S.python(PY_UDP_CLIENT, "::1", port, "xyz")
    local closed = false
    finally(function()
      if not closed then srv:close() end
      os.remove(f4)
      os.remove(f6)
    end)
    assert.truthy(first:find(":%d+$"), first)
    assert.equal("ABC\n", (S.run(cmd4)))
    assert.equal("XYZ\n", (S.run(cmd6)))
    assert.equal("", srv:read("a"))
    closed = true
    assert.is_true(srv:close())   -- it exited by itself after two datagrams
  end)
end)

describe("examples/udp_uppercase_client.lua", function()
  for _, host in ipairs({ "127.0.0.1", "::1" }) do
    it("gets the reply of a python3 server at " .. host, function()
      local cmd, file = S.python(PY_UDP_SERVER, host)
      local py, first = S.spawn(cmd)
      finally(function() py:close() os.remove(file) end)
      local out, ok = S.run(S.example("udp_uppercase_client.lua", host,
        S.port(first), "quiet please"))
      assert.is_true(ok, out)
      assert.equal("QUIET PLEASE\n", out)
    end)
  end

  it("prints a usage line without a message", function()
    local out, _, code = S.run(S.example("udp_uppercase_client.lua", "::1"))
    assert.equal(2, code)
    assert.truthy(out:find("^usage: "), out)
  end)
end)
