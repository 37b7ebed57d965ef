-- The sockaddr userdata: lsock.addr for IPv4, IPv6 (with scope ids), unix
-- paths and abstract names; fields, tostring, ==, unpack; bad literals.
-- Also getaddrinfo, whose answers carry sockaddr values.
local helper = require "helper"
local lsock = helper.lsock

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/sockaddr_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)

local function lo_index()
  local f = assert(io.open("/sys/class/net/lo/ifindex"))
  local n = f:read("n")
  f:close()
  return math.tointeger(n)
end

describe("lsock.addr() for IPv4", function()
  it("has family, host and an integer port", function()
    local a = assert(lsock.addr("127.0.0.1", 80))
    assert.equal("inet", a.family)
    assert.equal("127.0.0.1", a.host)
    assert.equal(80, a.port)
    assert.equal("integer", math.type(a.port))
  end)

  it("prints as host:port and unpacks to host, port", function()
    local a = assert(lsock.addr("192.0.2.7", 7777))
    assert.equal("192.0.2.7:7777", tostring(a))
    local host, port = a:unpack()
    assert.equal("192.0.2.7", host)
    assert.equal(7777, port)
  end)

  it("accepts ports 0 and 65535", function()
    assert.equal(0, assert(lsock.addr("10.0.0.1", 0)).port)
    assert.equal(65535, assert(lsock.addr("10.0.0.1", 65535)).port)
  end)

  it("turns \"*\" into the IPv4 wildcard", function()
    local a = assert(lsock.addr("*", 7777))
    assert.equal("inet", a.family)
    assert.equal("0.0.0.0", a.host)
    assert.equal("0.0.0.0:7777", tostring(a))
  end)

  it("is a value a socket can bind, and getsockname returns an equal one", function()
    local s <close> = assert(lsock.socket("inet", "dgram"))
    assert.is_true(s:bind(lsock.addr("127.0.0.1", 0)))
    local name = s:getsockname()
    assert.equal(lsock.addr("127.0.0.1", name.port), name)
  end)
end)

describe("lsock.addr() for IPv6", function()
  it("has family, host, port, flowinfo and scope_id", function()
    local a = assert(lsock.addr("::1", 443))
    assert.equal("inet6", a.family)
    assert.equal("::1", a.host)
    assert.equal(443, a.port)
    assert.equal(0, a.flowinfo)
    assert.equal(0, a.scope_id)
  end)

  it("prints as [host]:port and unpacks to host, port", function()
    local a = assert(lsock.addr("2001:db8::5", 8080))
    assert.equal("[2001:db8::5]:8080", tostring(a))
    local host, port = a:unpack()
    assert.equal("2001:db8::5", host)
    assert.equal(8080, port)
  end)

  it("normalises the literal", function()
    local a = assert(lsock.addr("2001:0DB8:0000:0000:0000:0000:0000:0001", 1))
    assert.equal("2001:db8::1", a.host)
  end)

  it("turns \"*\" with family inet6 into the IPv6 wildcard", function()
    local a = assert(lsock.addr("*", 9, "inet6"))
    assert.equal("inet6", a.family)
    assert.equal("::", a.host)
    assert.equal("[::]:9", tostring(a))
  end)

  it("keeps a scope id given by interface name or number", function()
    local lo = lo_index()
    local a = assert(lsock.addr("fe80::1%lo", 80))
    assert.equal(lo, a.scope_id)
    assert.truthy(a.host:find("^fe80::1"))
    assert.truthy(tostring(a):find("fe80::1", 1, true))
    local b = assert(lsock.addr("fe80::1%" .. lo, 80))
    assert.equal(lo, b.scope_id)
    assert.equal(a, b)
    assert.are_not.equal(a, lsock.addr("fe80::1", 80))
  end)

  it("passes the scope id to the kernel", function()
    -- A link-local destination without a scope is EINVAL for connect; with
    -- lo's scope the kernel looks for a route (and may find none).
    local s <close> = assert(lsock.socket("inet6", "dgram"))
    local ok, _, err = s:connect(lsock.addr("fe80::1%lo", 9))
    if ok then
      assert.equal(lo_index(), s:getpeername().scope_id)
    else
      assert.are_not.equal(helper.E.EINVAL, err)
    end
    local t <close> = assert(lsock.socket("inet6", "dgram"))
    local ok2, _, err2 = t:connect(lsock.addr("fe80::1", 9))
    assert.is_nil(ok2)
    assert.equal(helper.E.EINVAL, err2)
  end)
end)

describe("lsock.addr() for unix sockets", function()
  it("has family and path, prints as the path and unpacks to it", function()
    local a = assert(lsock.addr("/run/x.sock"))
    assert.equal("unix", a.family)
    assert.equal("/run/x.sock", a.path)
    assert.equal("/run/x.sock", tostring(a))
    assert.equal("/run/x.sock", a:unpack())
  end)

  it("keeps an abstract name by its exact length", function()
    local name = "\0abc\0def"
    local a = assert(lsock.addr(name))
    assert.equal("unix", a.family)
    assert.equal(name, a.path)
    assert.equal(8, #a.path)
    assert.equal(name, a:unpack())
    assert.equal("string", type(tostring(a)))
  end)

  it("accepts the longest abstract name (108 bytes)", function()
    local name = "\0" .. ("n"):rep(107)
    assert.equal(name, assert(lsock.addr(name)).path)
  end)
end)

describe("sockaddr ==", function()
  it("compares values, not identities", function()
    assert.equal(lsock.addr("127.0.0.1", 80), lsock.addr("127.0.0.1", 80))
    assert.equal(lsock.addr("::1", 80), lsock.addr("::1", 80))
    assert.equal(lsock.addr("/tmp/a"), lsock.addr("/tmp/a"))
    assert.equal(lsock.addr("\0a"), lsock.addr("\0a"))
  end)

  it("tells apart every field that differs", function()
    local a = lsock.addr("127.0.0.1", 80)
    assert.is_false(a == lsock.addr("127.0.0.1", 81))
    assert.is_false(a == lsock.addr("127.0.0.2", 80))
    assert.is_false(a == lsock.addr("::ffff:127.0.0.1", 80))
    assert.is_false(lsock.addr("::1", 80) == lsock.addr("::2", 80))
    assert.is_false(lsock.addr("/tmp/a") == lsock.addr("/tmp/b"))
    assert.is_false(lsock.addr("\0a") == lsock.addr("\0a\0"))
    assert.is_false(lsock.addr("\0a") == lsock.addr("a"))
  end)

  it("is false against other types", function()
    local a = lsock.addr("127.0.0.1", 80)
    assert.is_false(a == "127.0.0.1:80")
    assert.is_false(a == nil)
  end)
end)

describe("lsock.addr() with a bad literal", function()
  for _, case in ipairs {
    { "256.1.1.1", 80 }, { "1.2.3.4.5", 80 }, { "localhost", 80 }, { "::g", 80 },
    { "1::2::3", 80 }, { "fe80::1%nosuchif0", 80 }, { "127.0.0.1 ", 80 },
  } do
    it(("returns nil, msg for %q"):format(case[1]), function()
      local a, msg = lsock.addr(case[1], case[2])
      assert.is_nil(a)
      assert.equal("string", type(msg))
      assert.truthy(#msg > 0)
    end)
  end
end)

describe("lsock.getaddrinfo()", function()
  it("resolves localhost to loopback sockaddrs with the hinted type", function()
    local list = assert(lsock.getaddrinfo("localhost", "80", { socktype = "stream" }))
    assert.is_true(#list >= 1)
    for _, ai in ipairs(list) do
      assert.truthy(ai.family == "inet" or ai.family == "inet6")
      assert.equal("stream", ai.socktype)
      assert.equal("integer", math.type(ai.protocol))
      assert.equal(ai.family, ai.addr.family)
      assert.equal(80, ai.addr.port)
      assert.truthy(ai.addr.host == "127.0.0.1" or ai.addr.host == "::1")
    end
  end)

  it("restricts answers to the hinted family", function()
    local list = assert(lsock.getaddrinfo("127.0.0.1", "53",
      { family = "inet", socktype = "dgram" }))
    assert.equal(1, #list)
    assert.equal("inet", list[1].family)
    assert.equal("dgram", list[1].socktype)
    assert.equal(lsock.IPPROTO_UDP, list[1].protocol)
    assert.equal(lsock.addr("127.0.0.1", 53), list[1].addr)
    local v6 = assert(lsock.getaddrinfo("::1", "53", { family = "inet6", socktype = "stream" }))
    assert.equal(lsock.addr("::1", 53), v6[1].addr)
  end)

  it("gives addresses a socket can connect to directly", function()
    local l <close> = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    local port = tostring(l:getsockname().port)
    local ai = assert(lsock.getaddrinfo("127.0.0.1", port, { socktype = "stream" }))[1]
    local c <close> = assert(lsock.socket(ai.family, ai.socktype, ai.protocol))
    assert(c:settimeout(helper.T))
    assert.is_true(c:connect(ai.addr))
  end)

  it("returns nil, message, code when the name cannot be resolved", function()
    -- A numeric-only lookup of a name fails without asking DNS.
    local list, msg, code = lsock.getaddrinfo("not-a-number", "80",
      { flags = lsock.AI_NUMERICHOST })
    assert.is_nil(list)
    assert.equal("string", type(msg))
    assert.equal(lsock.EAI_NONAME, code)
  end)
end)
