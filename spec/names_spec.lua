-- Name services: getaddrinfo/getnameinfo, hosts, services, protocols,
-- interfaces, inet_pton/ntop, byte order and the legacy IPv4 calls.
local lsock = require "lsock"

-- The pattern of luaL_argerror's message: the function is named as it
-- was called ("inet_ntop" or "lsock.core.inet_ntop").
local function argerr(n, fname, msg)
  return ("^bad argument #%d to '[%%w.]*%s' %%(%s%%)$"):format(n, fname,
    msg:gsub("%p", "%%%0"))
end

-- Does this host's resolver map localhost to ::1 too?  (Not everywhere:
-- specs must hold either way.)
local function has(list, pred)
  for _, v in ipairs(list) do if pred(v) then return v end end
  return nil
end

describe("lsock.getaddrinfo()", function()
  it("resolves localhost to 127.0.0.1 with the service's port", function()
    local res = assert(lsock.getaddrinfo("localhost", "http",
      { socktype = "stream" }))
    local v4 = has(res, function(ai) return ai.family == "inet" end)
    assert.is_truthy(v4)
    assert.equal("127.0.0.1", v4.addr.host)
    assert.equal(80, v4.addr.port)
    assert.equal("stream", v4.socktype)
    assert.equal(lsock.IPPROTO_TCP, v4.protocol)
    for _, ai in ipairs(res) do
      assert.is_true(ai.family == "inet" or ai.family == "inet6")
      if ai.family == "inet6" then assert.equal("::1", ai.addr.host) end
    end
  end)

  it("returns one answer per socket type without a socktype hint", function()
    local res = assert(lsock.getaddrinfo("127.0.0.1", 53))
    local types = {}
    for _, ai in ipairs(res) do types[ai.socktype] = true end
    assert.is_true(types.stream)
    assert.is_true(types.dgram)
  end)

  it("takes numeric hosts and integer ports", function()
    local res = assert(lsock.getaddrinfo("::1", 8080,
      { flags = "numerichost", socktype = "dgram" }))
    assert.equal(1, #res)
    assert.equal("inet6", res[1].family)
    assert.equal("dgram", res[1].socktype)
    assert.equal("[::1]:8080", tostring(res[1].addr))
  end)

  it("refuses a name under numerichost with EAI_NONAME", function()
    local res, msg, code = lsock.getaddrinfo("localhost", 80,
      { flags = "numerichost" })
    assert.is_nil(res)
    assert.equal("string", type(msg))
    assert.equal(lsock.EAI_NONAME, code)
  end)

  it("looks up service names in /etc/services", function()
    local res = assert(lsock.getaddrinfo(nil, "ssh",
      { family = "inet", socktype = "stream", flags = "passive" }))
    assert.equal("0.0.0.0:22", tostring(res[1].addr))
    res = assert(lsock.getaddrinfo("127.0.0.1", "domain",
      { socktype = "dgram" }))
    assert.equal(53, res[1].addr.port)
  end)

  it("gives the wildcard of each family for passive lookups", function()
    local res = assert(lsock.getaddrinfo(nil, 0,
      { family = "inet6", socktype = "stream", flags = "passive" }))
    assert.equal("::", res[1].addr.host)
    res = assert(lsock.getaddrinfo(nil, 0,
      { family = "inet6", socktype = "stream" }))
    assert.equal("::1", res[1].addr.host)  -- not passive: loopback
  end)

  it("reports an unknown service with EAI_SERVICE or EAI_NONAME", function()
    local res, msg, code = lsock.getaddrinfo("127.0.0.1", "no-such-service",
      { socktype = "stream" })
    assert.is_nil(res)
    assert.equal("string", type(msg))
    assert.is_true(code == lsock.EAI_SERVICE or code == lsock.EAI_NONAME)
  end)

  it("refuses a service name under numericserv", function()
    local res, _, code = lsock.getaddrinfo("127.0.0.1", "ssh",
      { flags = "numericserv", socktype = "stream" })
    assert.is_nil(res)
    assert.equal(lsock.EAI_NONAME, code)
  end)

  it("maps IPv4 answers into IPv6 with v4mapped", function()
    local res = assert(lsock.getaddrinfo("127.0.0.1", 7,
      { family = "inet6", socktype = "stream", flags = "v4mapped" }))
    assert.equal("::ffff:127.0.0.1", res[1].addr.host)
    assert.equal(7, res[1].addr.port)
  end)

  it("returns the canonical name with canonname", function()
    local res = assert(lsock.getaddrinfo("localhost", nil,
      { socktype = "stream", flags = "canonname" }))
    assert.equal("string", type(res[1].canonname))
  end)

  it("takes flags as a number", function()
    local res = assert(lsock.getaddrinfo(nil, "80", {
      family = lsock.AF_INET, socktype = lsock.SOCK_STREAM,
      flags = lsock.AI_PASSIVE | lsock.AI_NUMERICSERV }))
    assert.equal("0.0.0.0:80", tostring(res[1].addr))
  end)

  it("accepts every documented flag name", function()
    local res = assert(lsock.getaddrinfo("127.0.0.1", "80", {
      family = "inet6", socktype = "stream",
      flags = "passive canonname numerichost numericserv v4mapped all" }))
    assert.equal("::ffff:127.0.0.1", res[1].addr.host)
    -- addrconfig answers only for families configured beyond loopback,
    -- which a bare container may lack: then an EAI code, never a raise.
    local r, _, code = lsock.getaddrinfo("127.0.0.1", "80",
      { socktype = "stream", flags = "addrconfig" })
    assert.is_true(r ~= nil or code < 0)
  end)

  it("raises on bad hints and missing host and service", function()
    assert.error_matches(function()
      lsock.getaddrinfo("localhost", 80, { family = "bogus" })
    end, argerr(3, "getaddrinfo", "unknown family 'bogus'"))
    assert.error_matches(function()
      lsock.getaddrinfo("localhost", 80, { flags = "passive bogus" })
    end, argerr(3, "getaddrinfo", "unknown flag 'bogus'"))
    assert.has_error(function() lsock.getaddrinfo(nil, nil) end)
    assert.has_error(function() lsock.getaddrinfo("x", 70000) end)
    assert.has_error(function() lsock.getaddrinfo("x", 80, "stream") end)
  end)

  it("takes a float port with an integer value, and no NUL in names", function()
    local res = assert(lsock.getaddrinfo("127.0.0.1", 80.0,
      { socktype = "stream" }))
    assert.equal(80, res[1].addr.port)
    local r, _, code = lsock.getaddrinfo("127.0.0.1\0.evil", 80)
    assert.is_nil(r)
    assert.equal(lsock.EAI_NONAME, code)
    r, _, code = lsock.getaddrinfo("127.0.0.1", "80\0x")
    assert.is_nil(r)
    assert.equal(lsock.EAI_NONAME, code)
  end)

  it("fails a name that does not exist with an EAI code", function()
    local res, msg, code = lsock.getaddrinfo("no-such-host.invalid", 80)
    assert.is_nil(res)
    assert.equal("string", type(msg))
    assert.is_true(code == lsock.EAI_NONAME or code == lsock.EAI_AGAIN
      or code == lsock.EAI_FAIL, tostring(code))
  end)
end)

describe("lsock.getnameinfo()", function()
  it("names 127.0.0.1 and well-known ports", function()
    local host, serv = assert(lsock.getnameinfo(lsock.addr("127.0.0.1", 22)))
    assert.equal("localhost", host)
    assert.equal("ssh", serv)
  end)

  it("gives numbers with numerichost numericserv", function()
    local host, serv = lsock.getnameinfo(lsock.addr("::1", 22),
      "numerichost numericserv")
    assert.equal("::1", host)
    assert.equal("22", serv)
    host = lsock.getnameinfo(lsock.addr("fe80::1%lo", 1),
      lsock.NI_NUMERICHOST)
    assert.equal("fe80::1%lo", host)
  end)

  it("accepts nofqdn and idn", function()
    local host = assert(lsock.getnameinfo(lsock.addr("127.0.0.1", 80),
      "nofqdn idn"))
    assert.equal("localhost", host)
  end)

  it("names datagram services with dgram", function()
    local _, serv = lsock.getnameinfo(lsock.addr("127.0.0.1", 53),
      "numerichost dgram")
    assert.equal("domain", serv)
  end)

  it("fails an address without a name under namereqd", function()
    local host, msg, code = lsock.getnameinfo(lsock.addr("192.0.2.1", 1),
      "namereqd")
    assert.is_nil(host)
    assert.equal("string", type(msg))
    assert.is_true(code < 0 or code == lsock.EAI_NONAME, tostring(code))
  end)

  it("raises on a non-address and unknown flags", function()
    assert.has_error(function() lsock.getnameinfo("127.0.0.1") end)
    assert.error_matches(function()
      lsock.getnameinfo(lsock.addr("127.0.0.1", 1), "passive")
    end, argerr(2, "getnameinfo", "unknown flag 'passive'"))
  end)
end)

describe("hosts, services and protocols", function()
  it("gethostname() agrees with the kernel", function()
    local f = assert(io.open("/proc/sys/kernel/hostname"))
    local expect = f:read("l")
    f:close()
    assert.equal(expect, lsock.gethostname())
  end)

  it("getservbyname/getservbyport agree with /etc/services", function()
    local f = assert(io.open("/etc/services"))
    local checked = 0
    for line in f:lines() do
      local name, port, proto = line:match("^([%w%-]+)%s+(%d+)/(%a+)")
      if name and checked < 50 then
        assert.equal(tonumber(port), lsock.getservbyname(name, proto), name)
        -- The first entry for a port names it; others may be aliases.
        assert.equal("string", type(lsock.getservbyport(tonumber(port),
          proto)))
        checked = checked + 1
      end
    end
    f:close()
    assert.is_true(checked > 10)
    assert.equal(80, lsock.getservbyname("http"))
    assert.equal(53, lsock.getservbyname("domain", "udp"))
    assert.equal("ssh", lsock.getservbyport(22, "tcp"))
    assert.equal("https", lsock.getservbyport(443))
  end)

  it("returns nil, msg for an unknown service", function()
    local port, msg = lsock.getservbyname("no-such-service", "tcp")
    assert.is_nil(port)
    assert.equal("unknown service", msg)
    assert.is_nil(lsock.getservbyport(1, "no-such-proto"))
  end)

  it("raises on a port out of range", function()
    assert.error_matches(function() lsock.getservbyport(65536) end,
      argerr(1, "getservbyport", "out of range"))
    assert.has_error(function() lsock.getservbyport(-1) end)
    assert.has_error(function() lsock.getservbyname() end)
  end)

  it("getprotobyname/getprotobynumber map tcp, udp and icmp", function()
    assert.equal(6, lsock.getprotobyname("tcp"))
    assert.equal(17, lsock.getprotobyname("udp"))
    assert.equal(1, lsock.getprotobyname("icmp"))
    assert.equal("tcp", lsock.getprotobynumber(6))
    assert.equal("udp", lsock.getprotobynumber(lsock.IPPROTO_UDP))
    local n, msg = lsock.getprotobyname("no-such-protocol")
    assert.is_nil(n)
    assert.equal("unknown protocol", msg)
    assert.has_error(function() lsock.getprotobynumber(256) end)
  end)
end)

describe("network interfaces", function()
  it("if_nameindex lists lo, and each entry maps both ways", function()
    local list = assert(lsock.if_nameindex())
    assert.is_truthy(has(list, function(i) return i.name == "lo" end))
    for _, i in ipairs(list) do
      assert.equal(i.index, lsock.if_nametoindex(i.name))
      assert.equal(i.name, lsock.if_indextoname(i.index))
    end
  end)

  it("returns nil, msg, errno for unknown interfaces", function()
    local i, msg, code = lsock.if_nametoindex("nosuchif0")
    assert.is_nil(i)
    assert.equal("string", type(msg))
    assert.equal(lsock.errno.ENODEV, code)
    local name, _, code2 = lsock.if_indextoname(999999)
    assert.is_nil(name)
    assert.equal(lsock.errno.ENXIO, code2)
  end)

  it("raises on over-long names and bad indexes", function()
    assert.error_matches(function()
      lsock.if_nametoindex(string.rep("x", 100))
    end, argerr(1, "if_nametoindex", "interface name too long"))
    assert.has_error(function() lsock.if_nametoindex("lo\0x") end)
    assert.has_error(function() lsock.if_indextoname(-1) end)
  end)
end)

describe("lsock.inet_pton() and lsock.inet_ntop()", function()
  local forms = {
    { "inet", "127.0.0.1", "\127\0\0\1" },
    { "inet", "0.0.0.0", "\0\0\0\0" },
    { "inet", "255.255.255.255", "\255\255\255\255" },
    { "inet6", "::", string.rep("\0", 16) },
    { "inet6", "::1", string.rep("\0", 15) .. "\1" },
    { "inet6", "2001:db8::1", "\32\1\13\184" .. string.rep("\0", 11) .. "\1" },
    { "inet6", "fe80::1:2:3:4", nil },
    { "inet6", "::ffff:192.0.2.1",
      string.rep("\0", 10) .. "\255\255\192\0\2\1" },
    { "inet6", "2001:db8:1:2:3:4:5:6", nil },
  }

  for _, f in ipairs(forms) do
    it("round-trips " .. f[1] .. " " .. f[2], function()
      local bytes = assert(lsock.inet_pton(f[1], f[2]))
      assert.equal(f[1] == "inet" and 4 or 16, #bytes)
      if f[3] then assert.equal(f[3], bytes) end
      assert.equal(f[2], lsock.inet_ntop(f[1], bytes))
    end)
  end

  it("gives the canonical text of a long IPv6 form", function()
    local b = assert(lsock.inet_pton("inet6", "2001:0db8:0:0:1:0:0:1"))
    assert.equal("2001:db8::1:0:0:1", lsock.inet_ntop("inet6", b))
    b = assert(lsock.inet_pton(lsock.AF_INET6, "::FFFF:7F00:1"))
    assert.equal("::ffff:127.0.0.1", lsock.inet_ntop(lsock.AF_INET6, b))
  end)

  it("round-trips scoped IPv6 by name and number", function()
    local lo = lsock.if_nametoindex("lo")
    local b, scope = lsock.inet_pton("inet6", "fe80::1%lo")
    assert.equal(16, #b)
    assert.equal(lo, scope)
    assert.equal("fe80::1%lo", lsock.inet_ntop("inet6", b, scope))
    local b2, scope2 = lsock.inet_pton("inet6", "fe80::1%" .. lo)
    assert.equal(b, b2)
    assert.equal(lo, scope2)
    -- An index no interface has is kept as a number.
    assert.equal("fe80::1%999999", lsock.inet_ntop("inet6", b, 999999))
    -- The sockaddr keeps the scope the same way.
    local a = assert(lsock.addr("fe80::1%lo", 9))
    assert.equal(lo, a.scope_id)
    assert.equal("fe80::1%lo", a.host)
  end)

  it("returns nil, 'invalid address' for bad text", function()
    for _, bad in ipairs({ "1.2.3", "1.2.3.4.5", "256.1.1.1", "", "x",
                           "::g", "1:2:3:4:5:6:7:8:9", "fe80::1%",
                           "fe80::1%nosuchif0", "1.2.3.4\0" }) do
      local r, msg = lsock.inet_pton(bad:find(":") and "inet6" or "inet", bad)
      assert.is_nil(r, bad)
      assert.equal("invalid address", msg)
    end
    assert.is_nil(lsock.inet_pton("inet", "::1"))
    assert.is_nil(lsock.inet_pton("inet6", "127.0.0.1"))
    assert.is_nil(lsock.inet_pton("inet", "127.0.0.1%lo"))
    assert.is_nil(lsock.inet_pton("inet6", "fe80::1%99999999999999999999"))
    assert.is_nil(lsock.inet_pton("inet6", "fe80::1%" .. string.rep("x", 1000)))
    assert.is_nil(lsock.inet_pton("inet6", string.rep("1", 100000)))
  end)

  it("prints the largest scope id as a number", function()
    local b = lsock.inet_pton("inet6", "fe80::1")
    assert.equal("fe80::1%4294967295", lsock.inet_ntop("inet6", b, 4294967295))
    assert.has_error(function() lsock.inet_ntop("inet6", b, 4294967296) end)
  end)

  it("raises on wrong lengths, families and scopes", function()
    assert.error_matches(function() lsock.inet_ntop("inet", "12345") end,
      argerr(2, "inet_ntop", "4-byte address expected"))
    assert.error_matches(function() lsock.inet_ntop("inet6", "1234") end,
      argerr(2, "inet_ntop", "16-byte address expected"))
    assert.has_error(function() lsock.inet_ntop("unix", "1234") end)
    assert.error_matches(function() lsock.inet_pton("unix", "/x") end,
      argerr(1, "inet_pton", "inet or inet6 expected"))
    assert.has_error(function() lsock.inet_pton("bogus", "1.2.3.4") end)
    assert.has_error(function() lsock.inet_ntop("inet", "1234", 1) end)
    assert.has_error(function() lsock.inet_pton("inet") end)
  end)
end)

describe("byte order", function()
  local function big16(x) return string.unpack("=I2", string.pack(">I2", x)) end
  local function big32(x) return string.unpack("=I4", string.pack(">I4", x)) end

  it("htons/htonl give network order and ntohs/ntohl undo it", function()
    for _, x in ipairs({ 0, 1, 0x1234, 0xff00, 0xffff }) do
      assert.equal(big16(x), lsock.htons(x))
      assert.equal(x, lsock.ntohs(lsock.htons(x)))
    end
    for _, x in ipairs({ 0, 1, 0x12345678, 0x7f000001, 0xffffffff }) do
      assert.equal(big32(x), lsock.htonl(x))
      assert.equal(x, lsock.ntohl(lsock.htonl(x)))
      assert.is_true(math.type(lsock.htonl(x)) == "integer")
    end
  end)

  it("raises on values that do not fit", function()
    assert.has_error(function() lsock.htons(0x10000) end)
    assert.has_error(function() lsock.htons(-1) end)
    assert.has_error(function() lsock.htonl(0x100000000) end)
    assert.has_error(function() lsock.ntohl(1.5) end)
  end)
end)

describe("legacy IPv4 calls", function()
  it("gethostbyname('localhost') gives a hostent table", function()
    local h = assert(lsock.gethostbyname("localhost"))
    assert.equal("string", type(h.name))
    assert.equal("inet", h.addrtype)
    assert.equal("table", type(h.aliases))
    assert.is_truthy(has(h.addresses, function(a) return a == "127.0.0.1" end))
  end)

  it("gethostbyname of a numeric address returns it", function()
    local h = assert(lsock.gethostbyname("10.1.2.3"))
    assert.same({ "10.1.2.3" }, h.addresses)
  end)

  it("gethostbyaddr('127.0.0.1') names localhost", function()
    local h = assert(lsock.gethostbyaddr("127.0.0.1"))
    assert.equal("localhost", h.name)
    assert.same({ "127.0.0.1" }, h.addresses)
  end)

  it("fails unknown names and bad addresses with nil, msg", function()
    local h, msg, code = lsock.gethostbyname("no-such-host.invalid")
    assert.is_nil(h)
    assert.equal("string", type(msg))
    assert.equal("number", type(code))
    h, msg = lsock.gethostbyaddr("not-an-address")
    assert.is_nil(h)
    assert.equal("invalid address", msg)
  end)

  it("treats text with a NUL byte as matching nothing", function()
    assert.is_nil(lsock.inet_aton("1.2.3.4\0"))
    assert.is_nil(lsock.inet_addr("1.2.3.4\0junk"))
    assert.is_nil(lsock.gethostbyname("localhost\0x"))
    assert.is_nil(lsock.gethostbyaddr("127.0.0.1\0"))
    assert.is_nil(lsock.getservbyname("http\0"))
    assert.is_nil(lsock.getservbyname("http", "tcp\0"))
    assert.is_nil(lsock.getprotobyname("tcp\0"))
  end)

  it("inet_aton accepts the old short forms", function()
    assert.equal("\127\0\0\1", lsock.inet_aton("127.0.0.1"))
    assert.equal("\127\0\0\1", lsock.inet_aton("127.1"))
    assert.equal("\10\0\1\2", lsock.inet_aton("0x0a.0.1.2"))
    local r, msg = lsock.inet_aton("1.2.3.x")
    assert.is_nil(r)
    assert.equal("invalid address", msg)
  end)

  -- The limited broadcast address below is only converted as text: no
  -- socket is opened, nothing is sent, so no network namespace is needed
  -- (broadcast traffic is tested inside a netns, in multicast_spec.lua).
  it("inet_addr gives a host-order integer, broadcast included", function()
    assert.equal(0x7F000001, lsock.inet_addr("127.0.0.1"))
    assert.equal(0xFFFFFFFF, lsock.inet_addr("255.255.255.255"))
    assert.equal(0, lsock.inet_addr("0.0.0.0"))
    local r, msg = lsock.inet_addr("300.1.1.1")
    assert.is_nil(r)
    assert.equal("invalid address", msg)
  end)

  it("inet_ntoa takes 4 bytes or an integer", function()
    assert.equal("127.0.0.1", lsock.inet_ntoa(0x7F000001))
    assert.equal("10.0.0.1", lsock.inet_ntoa("\10\0\0\1"))
    assert.equal("255.255.255.255", lsock.inet_ntoa(lsock.inet_aton("255.255.255.255")))
    assert.error_matches(function() lsock.inet_ntoa("abc") end,
      argerr(1, "inet_ntoa", "4-byte address expected"))
    assert.has_error(function() lsock.inet_ntoa("abcde") end)
    assert.has_error(function() lsock.inet_ntoa(-1) end)
    assert.has_error(function() lsock.inet_ntoa(0x100000000) end)
    assert.has_error(function() lsock.inet_ntoa() end)
  end)
end)
