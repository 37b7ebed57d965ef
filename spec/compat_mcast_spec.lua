-- Multicast through lsock.compat's LuaSocket option names, between two
-- network namespaces joined by a veth pair (spec/support_netns.lua),
-- created here and deleted in teardown: joining a group and the traffic
-- never leave them.  Both programs run as LuaSocket code after
-- compat.install(), under `timeout`, with socket timeouts.
local netns = require "spec.support_netns"

-- Receiver: joins arg[1] on the interface address arg[2] (IPv4) or index
-- arg[2] (IPv6), prints "ready PORT", receives one datagram, leaves.
local RECEIVER = [[
require("lsock.compat").install()
local socket = require "socket"
local group, iface = arg[1], arg[2]
local v6 = group:find(":", 1, true) ~= nil
local u = assert(v6 and socket.udp6() or socket.udp4())
assert(u:setoption("reuseaddr", true))
assert(u:setsockname(v6 and "::" or "0.0.0.0", 0))
local _, port = u:getsockname()
local prefix = v6 and "ipv6-" or "ip-"
local mreq = { multiaddr = group, interface = v6 and tonumber(iface) or iface }
assert(u:setoption(prefix .. "add-membership", mreq))
u:settimeout(5)
print("ready " .. port)
io.stdout:flush()
local data, from = u:receivefrom()
print("got " .. tostring(data) .. " from " .. tostring(from))
print("left " .. tostring(u:setoption(prefix .. "drop-membership", mreq)))
u:close()
]]

-- Sender: the interface, hop limit and loop options by LuaSocket name,
-- then one datagram to group arg[1], port arg[2].
local SENDER = [[
require("lsock.compat").install()
local socket = require "socket"
local group, port, iface = arg[1], tonumber(arg[2]), arg[3]
local v6 = group:find(":", 1, true) ~= nil
local u = assert(v6 and socket.udp6() or socket.udp4())
if v6 then
  assert(u:setoption("ipv6-multicast-if", tonumber(iface)))
  assert(u:setoption("ipv6-multicast-hops", 1))
  assert(u:setoption("ipv6-multicast-loop", false))
  print("if", u:getoption("ipv6-multicast-if") == tonumber(iface),
    u:getoption("ipv6-multicast-hops"), u:getoption("ipv6-multicast-loop"))
else
  assert(u:setoption("ip-multicast-if", iface))
  assert(u:setoption("ip-multicast-ttl", 1))
  assert(u:setoption("ip-multicast-loop", false))
  print("if", u:getoption("ip-multicast-if"), u:getoption("ip-multicast-ttl"),
    u:getoption("ip-multicast-loop"))
end
print("sent", u:sendto("hello group", group, port))
u:close()
]]

describe("lsock.compat multicast option names (in network namespaces)", function()
  local net
  setup(function() net = netns.pair() end)
  teardown(function()
    if net then net:destroy() end
    netns.cleanup()
  end)

  local function exchange(group, riface, siface)
    local r = net:lua("b", RECEIVER, { group, riface })
    local port, out = r:expect("^ready (%d+)$")
    assert(port, out)
    local sout, sok = net:lua("a", SENDER, { group, port, siface }):finish()
    local got = r:expect("^got (.*)$")
    local left = r:expect("^left (.*)$")
    local _, rok = r:finish()
    assert(sok and rok, sout .. "\n" .. table.concat(r.lines, "\n"))
    return sout, got, left, table.concat(r.lines, "\n")
  end

  it("joins, receives and leaves an IPv4 group with ip-* options", function()
    local sout, got, left, rlog = exchange("225.0.0.17", "10.99.0.2", "10.99.0.1")
    assert.equal("if\t10.99.0.1\t1\tfalse\nsent\t11", sout)
    assert.equal("hello group from 10.99.0.1", got, rlog)
    assert.equal("1", left)
  end)

  it("joins, receives and leaves an IPv6 group with ipv6-* options", function()
    local sout, got, left, rlog = exchange("ff05::117", tostring(net:ifindex("b")),
      tostring(net:ifindex("a")))
    assert.equal("if\ttrue\t1\tfalse\nsent\t11", sout)
    assert.truthy(got and got:find("^hello group from fd99::"), rlog)
    assert.equal("1", left)
  end)
end)
