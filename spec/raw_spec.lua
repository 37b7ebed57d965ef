-- Raw and ICMP sockets, the internet checksum (root: raw sockets).
local lsock = require "lsock"
local S = require "spec.support_advio"

describe("lsock.checksum()", function()
  it("computes the RFC 1071 examples", function()
    -- RFC 1071 section 3: the sum of these words is ddf2
    assert.equal(0x220d, lsock.checksum("\x00\x01\xf2\x03\xf4\xf5\xf6\xf7"))
    assert.equal(0xffff, lsock.checksum(""))
    -- an odd length is padded with a zero byte
    assert.equal(lsock.checksum("\x12\x34\x56\x00"), lsock.checksum("\x12\x34\x56"))
  end)

  it("gives 0 over data that carries its own checksum", function()
    local msg = string.pack(">BBI2I2I2", 8, 0, 0, 0x1234, 7) .. "payload!"
    local sum = lsock.checksum(msg)
    local full = msg:sub(1, 2) .. string.pack(">I2", sum) .. msg:sub(5)
    assert.equal(0, lsock.checksum(full))
  end)

  it("raises without a string", function()
    assert.has_error(function() lsock.checksum({}) end)
  end)
end)

describe("ICMP over raw sockets", function()
  local function echo(id, seq, payload)
    local msg = string.pack(">BBI2I2I2", 8, 0, 0, id, seq) .. payload
    return msg:sub(1, 2) .. string.pack(">I2", lsock.checksum(msg)) .. msg:sub(5)
  end

  it("gets an echo reply from the kernel for 127.0.0.1, checksum correct", function()
    local s = assert(lsock.socket("inet", "raw", "icmp"))
    finally(function() s:close() end)
    s:settimeout(5)
    assert.equal("raw", s:type())
    assert.equal(lsock.IPPROTO_ICMP, s:protocol())
    local id = math.random(1, 0xffff)
    assert.equal(8 + 16, s:sendto(echo(id, 1, "lsock raw echo!!"), "127.0.0.1", 0))
    local reply
    for _ = 1, 50 do  -- a raw socket also sees our own request on lo
      local data, from = assert(s:recvfrom(2048))
      assert.equal("127.0.0.1", from.host)
      local icmp = data:sub((data:byte(1) & 0x0f) * 4 + 1)
      local typ, code, _, rid, seq = string.unpack(">BBI2I2I2", icmp)
      if typ == 0 and rid == id then
        assert.equal(0, code)
        assert.equal(1, seq)
        reply = icmp
        break
      end
    end
    assert.is_not_nil(reply)
    assert.equal(0, lsock.checksum(reply))
    assert.equal("lsock raw echo!!", reply:sub(9))
  end)

  it("gets an ICMPv6 echo reply from ::1 (the kernel fills the checksum)", function()
    local s = assert(lsock.socket("inet6", "raw", "icmpv6"))
    finally(function() s:close() end)
    s:settimeout(5)
    local id = math.random(1, 0xffff)
    s:sendto(string.pack(">BBI2I2I2", 128, 0, 0, id, 3) .. "six", "::1", 0)
    local got
    for _ = 1, 50 do
      local data = assert(s:recvfrom(2048))
      local typ, _, _, rid, seq = string.unpack(">BBI2I2I2", data)
      if typ == 129 and rid == id then
        got = {seq, data:sub(9)}
        break
      end
    end
    assert.same({3, "six"}, got)
  end)

  it("sends a whole IP datagram with IP_HDRINCL", function()
    local s = assert(lsock.socket("inet", "raw", "icmp"))
    finally(function() s:close() end)
    s:settimeout(5)
    assert(s:setsockopt("ip", lsock.IP_HDRINCL, 1))
    local id = math.random(1, 0xffff)
    local icmp = echo(id, 9, "hdrincl")
    local lo = "\127\0\0\1"
    local ip = string.pack(">BBI2I2I2BBI2", 0x45, 0, 20 + #icmp, 0, 0, 33, 1, 0)
               .. lo .. lo
    ip = ip:sub(1, 10) .. string.pack(">I2", lsock.checksum(ip)) .. ip:sub(13)
    assert.equal(#ip + #icmp, s:sendto(ip .. icmp, "127.0.0.1", 0))
    local ttl
    for _ = 1, 50 do
      local data = assert(s:recvfrom(2048))
      local reply = data:sub(21)
      local typ, _, _, rid = string.unpack(">BBI2I2", reply)
      if typ == 8 and rid == id then ttl = data:byte(9) end  -- our own request
      if typ == 0 and rid == id then break end
    end
    assert.equal(33, ttl)
  end)

  it("uses the unprivileged ping socket where ping_group_range allows it", function()
    local ns = ("lsock6-ping-%d"):format(S.pid())
    finally(function() S.sh("ip netns del " .. ns) end)
    assert(S.sh("ip netns add " .. ns))
    assert(S.sh("ip -n " .. ns .. " link set lo up"))
    local ok, out = S.sh(("ip netns exec %s sysctl -qw net.ipv4.ping_group_range='0 0'")
                         :format(ns))
    assert.is_true(ok, out)
    ok, out = S.sh(("ip netns exec %s %s")
                   :format(ns, S.luacmd("examples/ping.lua 127.0.0.1 2 --dgram", 20)))
    assert.is_true(ok, out)
    assert.matches("%(ping socket%)", out)
    assert.matches("icmp_seq=2 ttl=64 time=[%d.]+ ms", out)
    assert.matches("2 packets transmitted, 2 received", out)
  end)
end)
