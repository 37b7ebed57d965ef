-- Constants on lsock (AF_, SOCK_, SO_, MSG_ ...) and lsock.errno, checked
-- against python3's socket and errno modules, which read the same headers.
local helper = require "helper"
local lsock = helper.lsock
local E = helper.E

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/constants_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

-- Asks python3 for the values of names in one of its modules; returns a
-- table name -> integer for the names python knows.
local function python_values(module, names)
  local p = helper.python(([[
import sys, %s as m
for name in sys.argv[1:]:
    v = getattr(m, name, None)
    if v is not None:
        print(name, int(v))
]]):format(module), table.unpack(names))
  local out, code = p:finish()
  p:cleanup()
  assert(code == 0, "python3 failed: " .. p:stderr())
  local values = {}
  for name, v in out:gmatch("(%S+) (%-?%d+)") do values[name] = math.tointeger(tonumber(v)) end
  return values
end

local SOCKET_NAMES = {
  "AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC", "SOCK_STREAM", "SOCK_DGRAM",
  "SOCK_RAW", "SOCK_SEQPACKET", "IPPROTO_TCP", "IPPROTO_UDP", "IPPROTO_IP",
  "IPPROTO_IPV6", "IPPROTO_ICMP", "IPPROTO_ICMPV6", "SOL_SOCKET",
  "SO_REUSEADDR", "SO_REUSEPORT", "SO_KEEPALIVE", "SO_BROADCAST", "SO_SNDBUF",
  "SO_RCVBUF", "SO_ERROR", "SO_TYPE", "SO_LINGER", "SO_RCVTIMEO", "SO_SNDTIMEO",
  "SCM_RIGHTS", "IP_TTL", "IP_MULTICAST_TTL", "IP_ADD_MEMBERSHIP", "IPV6_V6ONLY",
  "IPV6_JOIN_GROUP", "TCP_NODELAY", "TCP_KEEPIDLE", "MSG_PEEK", "MSG_WAITALL",
  "MSG_DONTWAIT", "MSG_OOB", "MSG_NOSIGNAL", "SHUT_RD", "SHUT_WR", "SHUT_RDWR",
  "AI_PASSIVE", "AI_CANONNAME", "AI_NUMERICHOST", "AI_NUMERICSERV",
  "NI_NUMERICHOST", "NI_NUMERICSERV", "EAI_NONAME", "EAI_AGAIN", "EAI_SERVICE",
  "INADDR_ANY", "INADDR_LOOPBACK", "INADDR_BROADCAST",
}

local ERRNO_NAMES = {
  "EAGAIN", "EWOULDBLOCK", "EINTR", "EPIPE", "ECONNREFUSED", "ECONNRESET",
  "ETIMEDOUT", "EINPROGRESS", "EALREADY", "EADDRINUSE", "EADDRNOTAVAIL",
  "ENOTCONN", "EISCONN", "EBADF", "EINVAL", "ENOENT", "EACCES", "EPERM",
  "EMSGSIZE", "ENOTSOCK", "EAFNOSUPPORT", "EPROTONOSUPPORT", "EOPNOTSUPP",
  "ENETUNREACH", "EHOSTUNREACH", "ENOBUFS", "EMFILE", "EDESTADDRREQ", "ENOPROTOOPT",
}

describe("lsock constants", function()
  it("are integers equal to the platform's values", function()
    local want = python_values("socket", SOCKET_NAMES)
    assert.is_true(next(want) ~= nil)
    for _, name in ipairs(SOCKET_NAMES) do
      if want[name] then
        assert.equal("integer", math.type(lsock[name]), name)
        assert.equal(want[name], lsock[name], name)
      end
    end
  end)

  it("include the basics with their Linux values", function()
    assert.equal(2, lsock.AF_INET)
    assert.equal(10, lsock.AF_INET6)
    assert.equal(1, lsock.AF_UNIX)
    assert.equal(1, lsock.SOCK_STREAM)
    assert.equal(2, lsock.SOCK_DGRAM)
    assert.equal(1, lsock.SOL_SOCKET)
    assert.equal(2, lsock.SO_REUSEADDR)
    assert.equal(2, lsock.MSG_PEEK)
    assert.equal(1, lsock.SHUT_WR)
    assert.equal(0x7F000001, lsock.INADDR_LOOPBACK)
  end)

  it("are accepted wherever a name is", function()
    local s <close> = assert(lsock.socket(lsock.AF_INET, lsock.SOCK_STREAM, lsock.IPPROTO_TCP))
    assert.equal("inet", s:family())
    assert.equal("stream", s:type())
    assert.equal(lsock.IPPROTO_TCP, s:protocol())
    assert(s:setsockopt(lsock.SOL_SOCKET, lsock.SO_REUSEADDR, true))
    assert.is_true(s:getsockopt("socket", "reuseaddr"))
    assert(s:setsockopt("socket", lsock.SO_SNDBUF, 8192))
    assert.equal(s:getsockopt("socket", "sndbuf"), s:getsockopt(lsock.SOL_SOCKET, lsock.SO_SNDBUF))
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    assert.equal(4, c:send("peek", lsock.MSG_DONTWAIT | lsock.MSG_NOSIGNAL))
    assert.equal("pe", a:recv(2, lsock.MSG_PEEK))
    assert.equal("peek", helper.recv_exactly(a, 4))
    assert.is_true(c:shutdown(lsock.SHUT_WR))
    assert.equal("", a:recv(1))
  end)

  it("match the names of results", function()
    local s <close> = assert(lsock.socket("unix", "dgram"))
    assert.equal(lsock.SOCK_DGRAM, s:getsockopt("socket", "type"))
    assert.equal(lsock.AF_UNIX, s:getsockopt("socket", "domain"))
  end)

  it("flags combine as a string of names", function()
    local c, a, l = helper.tcp_pair()
    defer(function() helper.close(c, a, l) end)
    assert(c:sendall("abcdef"))
    assert.equal("abcdef", a:recv(6, "peek waitall"))
    assert.equal("abcdef", a:recv(6, "waitall"))
  end)
end)

describe("lsock.errno", function()
  it("maps names to the platform's codes", function()
    local want = python_values("errno", ERRNO_NAMES)
    for _, name in ipairs(ERRNO_NAMES) do
      if want[name] then
        assert.equal(want[name], E[name], name)
      end
    end
    assert.equal(11, E.EAGAIN)
  end)

  it("maps codes back to names", function()
    assert.equal("EAGAIN", E[11])
    assert.equal("ECONNREFUSED", E[E.ECONNREFUSED])
    assert.equal("ETIMEDOUT", E[110])
    assert.equal("EPIPE", E[32])
    -- Aliases share a code; the code maps back to a name with that code.
    for name, code in pairs(E) do
      if type(name) == "string" then
        assert.equal("integer", math.type(code), name)
        assert.equal("string", type(E[code]), name)
        assert.equal(code, E[E[code]], name)
      end
    end
  end)

  it("is what failing calls return", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    local ok, msg, err = s:getpeername()
    assert.is_nil(ok)
    assert.equal("ENOTCONN", E[err])
    assert.equal("string", type(msg))
  end)
end)
