-- Multicast and broadcast between two hosts: network namespaces joined by
-- a veth pair (spec/support_netns.lua), created here and deleted in
-- teardown whatever happens, so nothing is sent from the host namespace.
-- Each receiver picks its port (bind 0) and prints it; every program runs
-- under `timeout` with socket timeouts, so a broken library fails fast.
local netns = require "spec.support_netns"

-- A receiver: lsock.multicast.receiver, then the actions in its arguments:
--   recv      receive one datagram, print "got DATA from HOST" (or "timeout");
--             the first recv prints "ready PORT" before waiting
--   leave     leave the group, print "left"
--   block=S   block source S (any-source groups)
-- args: group interface source|- timeout action...
local RECEIVER = [[
local lsock = require "lsock"
local mc = lsock.multicast
local group, iface, source = arg[1], arg[2], arg[3] ~= "-" and arg[3] or nil
iface = math.tointeger(tonumber(iface)) or iface
local s = assert(mc.receiver(group, 0, { interface = iface, source = source,
                                        timeout = tonumber(arg[4]) }))
local ready = false
for i = 5, #arg do
  local action = arg[i]
  if action == "recv" then
    if not ready then
      print("ready " .. s:getsockname().port)
      io.stdout:flush()
      ready = true
    end
    local data, from = s:recvfrom(2000)
    print(data and ("got %s from %s"):format(data, from.host) or from)
  elseif action == "leave" then
    assert(mc.leave(s, group, iface, source))
    print("left")
  else
    local level = s:family() == "inet6" and "ipv6" or "ip"
    assert(s:setsockopt(level, "block_source", { multiaddr = group,
      interface = iface, sourceaddr = action:match("^block=(.*)") }))
  end
  io.stdout:flush()
end
s:close()
]]

-- A sender: lsock.multicast.sender, then one send per message.
-- args: group port interface|- ttl|- loop|- bindaddr|- message...
local SENDER = [[
local lsock = require "lsock"
local function opt(v) if v ~= "-" then return math.tointeger(tonumber(v)) or v end end
local loop
if arg[5] ~= "-" then loop = arg[5] == "true" end
local s = assert(lsock.multicast.sender(arg[1], tonumber(arg[2]), {
  interface = opt(arg[3]), ttl = opt(arg[4]), loop = loop,
  bind = arg[6] ~= "-" and { arg[6], 0 } or nil }))
for i = 7, #arg do assert(s:send(arg[i])) end
print("sent")
]]

-- python3 receiver that reports the TTL / hop limit of what arrives.
-- args: family group ifaddr_or_index timeout [port]
local PYRECV = [[
import socket, struct, sys
fam, group, iface, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
port = int(sys.argv[5]) if len(sys.argv) > 5 else 0
if fam == "inet":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    mreq = socket.inet_aton(group) + socket.inet_aton(iface)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", port))
    mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", int(iface))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
s.settimeout(timeout)
print("ready", s.getsockname()[1], flush=True)
try:
    data, anc, flags, addr = s.recvmsg(2000, 256)
except socket.timeout:
    print("timeout", flush=True)
    sys.exit(0)
ttl = None
for level, kind, raw in anc:
    ttl = struct.unpack("@i", raw[:4])[0]
print("got", data.decode(), "ttl", ttl, "from", addr[0], flush=True)
]]

-- python3 sender: args family group port ifaddr_or_index ttl message
local PYSEND = [[
import socket, struct, sys
fam, group, port, iface, ttl, msg = sys.argv[1:7]
if fam == "inet":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, int(ttl))
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, struct.pack("@I", int(iface)))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, int(ttl))
s.sendto(msg.encode(), (group, int(port)))
print("sent", flush=True)
]]

describe("multicast between two network namespaces", function()
  local net

  setup(function()
    net = netns.pair()
  end)

  teardown(function()
    if net then net:destroy() end
    netns.cleanup()
  end)

  -- Starts a receiver in host h; returns it and its port.
  local function receiver(h, args)
    local r = net:lua(h, RECEIVER, args)
    local port, out = r:expect("^ready (%d+)$")
    assert(port, "receiver did not start:\n" .. tostring(out))
    return r, port
  end

  local function send(h, args)
    local out, ok = net:lua(h, SENDER, args):finish()
    assert(ok and out:find("sent", 1, true), out)
  end

  it("an IPv4 any-source group joined by interface address reaches the other host", function()
    local r, port = receiver("b", { "225.0.0.10", "10.99.0.2", "-", "3", "recv" })
    send("a", { "225.0.0.10", port, "10.99.0.1", "1", "-", "-", "hello" })
    local out = r:finish()
    assert.matches("got hello from 10.99.0.1", out, 1, true)
  end)

  it("joins by interface index and by interface name", function()
    for _, iface in ipairs { tostring(net:ifindex("b")), net.ifname.b } do
      local r, port = receiver("b", { "225.0.0.11", iface, "-", "3", "recv" })
      send("a", { "225.0.0.11", port, net.ifname.a, "1", "-", "-", "via " .. iface })
      assert.matches("got via " .. iface .. " from 10.99.0.1", r:finish(), 1, true)
    end
  end)

  -- Linux drops TTL 0 multicast at the host only on the route that has a
  -- local member (ip_mc_output), so host a has one here.
  it("sets the TTL the other host sees; TTL 0 reaches only the sending host", function()
    local r, port = receiver("a", { "225.0.0.12", "10.99.0.1", "-", "3", "recv" })
    local p = net:python("b", PYRECV, { "inet", "225.0.0.12", "10.99.0.2", "3", port })
    assert(p:expect("^ready (%d+)$"), table.concat(p.lines, "\n"))
    send("a", { "225.0.0.12", port, "10.99.0.1", "0", "-", "-", "ttl-zero" })
    send("a", { "225.0.0.12", port, "10.99.0.1", "3", "-", "-", "ttl-three" })
    assert.matches("got ttl-zero from 10.99.0.1", r:finish(), 1, true)
    -- python3 received what lsock sent, first the TTL 3 datagram
    assert.matches("got ttl-three ttl 3 from 10.99.0.1", p:finish(), 1, true)
  end)

  it("loops back to members on the sending host only with multicast_loop", function()
    local r, port = receiver("a", { "225.0.0.13", "10.99.0.1", "-", "3", "recv" })
    send("a", { "225.0.0.13", port, "10.99.0.1", "1", "false", "-", "unlooped" })
    send("a", { "225.0.0.13", port, "10.99.0.1", "1", "true", "-", "looped" })
    local out = r:finish()
    assert.matches("got looped from 10.99.0.1", out, 1, true)
    assert.not_matches("unlooped", out, 1, true)
  end)

  it("stops delivery after leave", function()
    local r, port = receiver("b", { "225.0.0.14", "10.99.0.2", "-", "1",
                                    "recv", "leave", "recv" })
    send("a", { "225.0.0.14", port, "10.99.0.1", "1", "-", "-", "before" })
    assert(r:expect("^left$"), table.concat(r.lines, "\n"))
    send("a", { "225.0.0.14", port, "10.99.0.1", "1", "-", "-", "after" })
    local out = r:finish()
    assert.matches("got before from 10.99.0.1\nleft\ntimeout", out, 1, true)
    assert.not_matches("after", out, 1, true)
  end)

  it("a source-specific group delivers only the chosen source", function()
    -- by interface address (ip_mreq_source), then by name (group_source_req)
    for _, iface in ipairs { "10.99.0.2", net.ifname.b } do
      local r, port = receiver("b", { "232.1.2.3", iface, "10.99.0.1", "3", "recv" })
      send("a", { "232.1.2.3", port, "10.99.0.1", "1", "-", "10.99.0.3", "other-source" })
      send("a", { "232.1.2.3", port, "10.99.0.1", "1", "-", "10.99.0.1", "chosen-source" })
      local out = r:finish()
      assert.matches("got chosen-source from 10.99.0.1", out, 1, true)
      assert.not_matches("other-source", out, 1, true)
    end
  end)

  it("block_source drops one source of an any-source group", function()
    local r, port = receiver("b", { "225.0.0.15", "10.99.0.2", "-", "3",
                                    "block=10.99.0.3", "recv" })
    send("a", { "225.0.0.15", port, "10.99.0.1", "1", "-", "10.99.0.3", "blocked" })
    send("a", { "225.0.0.15", port, "10.99.0.1", "1", "-", "10.99.0.1", "allowed" })
    local out = r:finish()
    assert.matches("got allowed from 10.99.0.1", out, 1, true)
    assert.not_matches("blocked", out, 1, true)
  end)

  it("an lsock receiver gets what python3 sends", function()
    local r, port = receiver("b", { "225.0.0.16", "10.99.0.2", "-", "3", "recv" })
    local out, ok = net:python("a", PYSEND, { "inet", "225.0.0.16", port, "10.99.0.1",
                                              "1", "from-python" }):finish()
    assert(ok, out)
    assert.matches("got from-python from 10.99.0.1", r:finish(), 1, true)
  end)

  it("an IPv6 group joined by interface name reaches the other host", function()
    local r, port = receiver("b", { "ff12::4242", net.ifname.b, "-", "3", "recv" })
    send("a", { "ff12::4242", port, net.ifname.a, "1", "-", "fd99::1", "hello6" })
    assert.matches("got hello6 from fd99::1", r:finish(), 1, true)
  end)

  -- (Unlike IPv4's TTL 0, Linux sends IPv6 hop limit 0 out unless the
  -- sending host is itself a member, so that is not asserted here.)
  it("sets the IPv6 hop limit python3 sees", function()
    local p = net:python("b", PYRECV, { "inet6", "ff12::4343", tostring(net:ifindex("b")), "3" })
    local port = assert(p:expect("^ready (%d+)$"))
    send("a", { "ff12::4343", port, net.ifname.a, "4", "-", "fd99::1", "hops-four" })
    assert.matches("got hops-four ttl 4 from fd99::1", p:finish(), 1, true)
  end)

  it("an lsock IPv6 receiver gets what python3 sends", function()
    local r, port = receiver("b", { "ff12::4444", net.ifname.b, "-", "3", "recv" })
    local out, ok = net:python("a", PYSEND, { "inet6", "ff12::4444", port,
      tostring(net:ifindex("a")), "1", "python6" }):finish()
    assert(ok, out)
    assert.matches("got python6 from fe80::", r:finish(), 1, true)
  end)

  it("an IPv6 source-specific group delivers only the chosen source", function()
    local r, port = receiver("b", { "ff3e::4545", net.ifname.b, "fd99::1", "3", "recv" })
    send("a", { "ff3e::4545", port, net.ifname.a, "1", "-", "fd99::3", "other6" })
    send("a", { "ff3e::4545", port, net.ifname.a, "1", "-", "fd99::1", "chosen6" })
    local out = r:finish()
    assert.matches("got chosen6 from fd99::1", out, 1, true)
    assert.not_matches("other6", out, 1, true)
  end)
end)

describe("broadcast between two network namespaces", function()
  local net

  setup(function()
    net = netns.pair()
  end)

  teardown(function()
    if net then net:destroy() end
    netns.cleanup()
  end)

  local BRECV = [[
local lsock = require "lsock"
local s = assert(lsock.socket("inet", "dgram"))
assert(s:bind("*", 0))
s:settimeout(3)
print("ready " .. s:getsockname().port)
io.stdout:flush()
local data, from = s:recvfrom(2000)
print(data and ("got %s from %s"):format(data, from.host) or from)
]]

  local BSEND = [[
local lsock = require "lsock"
local s = assert(lsock.socket("inet", "dgram"))
local ok, _, err = s:sendto("refused", "10.99.0.255", tonumber(arg[1]))
print("without broadcast:", ok, err == lsock.errno.EACCES and "EACCES" or err)
assert(s:setsockopt("socket", "broadcast", true))
assert(s:getsockopt("socket", "broadcast") == true)
assert(s:sendto("to everyone", "10.99.0.255", tonumber(arg[1])))
print("sent")
]]

  it("reaches the other host at 10.99.0.255 once SO_BROADCAST is set", function()
    local r = net:lua("b", BRECV)
    local port = assert(r:expect("^ready (%d+)$"))
    local out, ok = net:lua("a", BSEND, { port }):finish()
    assert(ok, out)
    assert.matches("without broadcast:\tnil\tEACCES", out, 1, true)
    assert.matches("got to everyone from 10.99.0.1", r:finish(), 1, true)
  end)
end)

-- The helpers' own results, without sending anything: these only set
-- options on loopback and fail before any join.
describe("lsock.multicast", function()
  local lsock = require "lsock"
  local mc = lsock.multicast

  it("is loaded lazily from lsock", function()
    assert.equal(require "lsock.multicast", mc)
  end)

  it("join and leave return nil, msg, errno when the system says no", function()
    local s <close> = assert(lsock.socket("inet", "dgram"))
    local ok, msg, err = mc.join(s, "225.0.0.10", "nosuchdev0")
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(lsock.errno.ENODEV, err)
    ok, msg, err = mc.leave(s, "225.0.0.10", "127.0.0.1")  -- never joined
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(lsock.errno.EADDRNOTAVAIL, err)
    local s6 <close> = assert(lsock.socket("inet6", "dgram"))
    ok, msg, err = mc.join(s6, "ff12::1", "nosuchdev0", "fd99::1")
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(lsock.errno.ENODEV, err)
  end)

  it("join raises on a malformed group", function()
    local s <close> = assert(lsock.socket("inet", "dgram"))
    assert.has_error(function() mc.join(s, "225.0.0.300", "127.0.0.1") end)
  end)

  it("receiver returns nil, msg, errno when the join fails", function()
    local s, msg, err = mc.receiver("225.0.0.10", 0, { interface = "nosuchdev0" })
    assert.is_nil(s)
    assert.is_string(msg)
    assert.equal(lsock.errno.ENODEV, err)
  end)

  it("sender sets ttl, loop and interface and connects to the group", function()
    local s <close> = assert(mc.sender("225.0.0.10", 7200, {
      ttl = 0, loop = false, interface = "127.0.0.1", timeout = 2 }))
    assert.equal(0, s:getsockopt("ip", "multicast_ttl"))
    assert.is_false(s:getsockopt("ip", "multicast_loop"))
    assert.equal("127.0.0.1", s:getsockopt("ip", "multicast_if"))
    assert.equal("225.0.0.10:7200", tostring(s:getpeername()))
    assert.equal(2, s:gettimeout())
  end)

  it("sender returns nil, msg, errno for an unknown interface", function()
    local s, _, err = mc.sender("ff12::1", 7200, { interface = "nosuchdev0" })
    assert.is_nil(s)
    assert.equal(lsock.errno.ENODEV, err)
  end)
end)
