-- Packet sockets: addresses and their checks here, frames only inside a
-- pair of network namespaces this spec creates (spec/support_netns.lua),
-- so nothing is sent from the host's own namespace.
local helper = require "helper"
local netns = require "spec.support_netns"
local lsock = helper.lsock

describe("packet addresses", function()
  it("are made from tables and give their fields back in host byte order", function()
    local a = lsock.addr { family = "packet", ifindex = 3, protocol = 0x88b5,
                           hatype = lsock.ARPHRD_ETHER, pkttype = "broadcast",
                           address = "\2\0\0\0\0\1" }
    assert.equal("packet", a.family)
    assert.equal(3, a.ifindex)
    assert.equal(0x88b5, a.protocol)
    assert.equal(1, a.hatype)
    assert.equal(lsock.PACKET_BROADCAST, a.pkttype)
    assert.equal("\2\0\0\0\0\1", a.address)
    assert.equal("packet:3/0x88b5/02:00:00:00:00:01", tostring(a))
    assert.equal(lsock.ETH_P_IPV6, lsock.addr { family = "packet", protocol = "ipv6" }.protocol)
    assert.equal(1, lsock.addr { family = "packet", ifindex = "lo" }.ifindex)
    -- another link type may take another length, up to 8 bytes
    assert.equal(8, #lsock.addr { family = "packet", hatype = 24, address = "12345678" }.address)
  end)

  it("reject wrong-length hardware addresses and unknown names clearly", function()
    local function err(t)
      local ok, e = pcall(lsock.addr, t)
      assert.is_false(ok)
      return e
    end
    assert.matches("ethernet address of 5 bytes %(6 expected",
                   err { family = "packet", address = "\1\2\3\4\5" })
    assert.matches("ethernet address of 17 bytes",
                   err { family = "packet", address = "02:00:00:00:00:01" })
    assert.matches("hardware address of 9 bytes %(at most 8%)",
                   err { family = "packet", hatype = 24, address = "123456789" })
    assert.matches("unknown ethertype 'ipx'", err { family = "packet", protocol = "ipx" })
    assert.matches("unknown packet type 'nobody'", err { family = "packet", pkttype = "nobody" })
    assert.matches("no interface", err { family = "packet", ifindex = "no-such-if0" })
    assert.matches("out of range", err { family = "packet", protocol = 0x10000 })
    local ok, e = pcall(lsock.socket, "packet", "raw", "ipx")
    assert.is_false(ok)
    assert.matches("unknown ethertype 'ipx'", e)
    ok, e = pcall(lsock.socket, "packet", "raw", 70000)
    assert.is_false(ok)
    assert.matches("ethertype out of range", e)
  end)
end)

describe("packet sockets between two network namespaces", function()
  local net
  setup(function() net = netns.pair() end)
  teardown(function()
    if net then net:destroy() end
    netns.cleanup()
  end)

  local function ethercat(h, ...)
    return net:lua(h, "examples/ethercat.lua", { ... }, true)
  end

  for _, mode in ipairs { "raw", "dgram" } do
    it("a frame of ethertype 0x88b5 crosses the veth (" .. mode .. ")", function()
      local d = mode == "dgram" and "-d" or nil
      local r = ethercat("b", d or "recv", d and "recv" or net.ifname.b,
                         d and net.ifname.b or "1", d and "1" or nil)
      local bmac, out = r:expect("^ready (%S+)$")
      assert.truthy(bmac, out)
      local args = { "send", net.ifname.a, bmac, "hello-" .. mode }
      if mode == "dgram" then table.insert(args, 1, "-d") end
      local sent = ethercat("a", table.unpack(args))
      local samac, sout = sent:expect("^sent %d+ bytes from (%S+)$")
      assert.truthy(samac, sout)
      sent:finish()
      local line, rout = r:expect("^got .*$")
      assert.truthy(line, rout)
      r:finish()
      -- veth does not pad short frames: the header (raw only) and the text
      local len = #("hello-" .. mode) + (mode == "raw" and 14 or 0)
      assert.equal(("got hello-%s from %s if %d proto 0x88b5 type 0 len %d")
                   :format(mode, samac, net:ifindex("b"), len), line)
    end)
  end

  it("takes packet options: auxdata, promiscuous membership, bad lengths", function()
    local p = net:lua("a", [[
local lsock = require "lsock"
local ifname = ...
local s = assert(lsock.socket("packet", "raw", "all"))
assert(s:setsockopt("packet", "auxdata", true))
print("auxdata", s:getsockopt("packet", "auxdata"))
print("join", s:setsockopt("packet", "add_membership", { ifindex = ifname, type = "promisc" }))
local f = io.open("/sys/class/net/" .. ifname .. "/flags"):read("a")
print("promisc", tonumber(f) & 0x100 ~= 0)
print("drop", s:setsockopt("packet", "drop_membership", { ifindex = ifname, type = "promisc" }))
print("bad", pcall(s.setsockopt, s, "packet", "add_membership",
                   { ifindex = ifname, type = "multicast", address = "\1\0\94" }))
print("protocol", s:getsockname().protocol, s:protocol())
s:close()
]], { net.ifname.a })
    local out = p:finish()
    assert.matches("auxdata\ttrue", out, 1, true)
    assert.matches("join\ttrue", out, 1, true)
    assert.matches("promisc\ttrue", out, 1, true)
    assert.matches("drop\ttrue", out, 1, true)
    assert.matches("bad\tfalse\t[^\n]*ethernet address of 3 bytes", out)
    assert.matches("protocol\t3\t3", out, 1, true)
  end)
end)
