-- API.md conformance: every name, method, field, return shape and
-- convention the contract states, checked over loopback and unix sockets.
-- No multicast or broadcast traffic is sent, so nothing here needs a
-- network namespace (multicast_spec.lua runs the traffic inside a netns): the
-- groups below are only set as options, left without being joined (the
-- kernel refuses), or given to connect, which sends nothing on UDP.
local lsock = require "lsock"

local E = lsock.errno
local AMT = getmetatable(lsock.addr("127.0.0.1", 1))

local function issockaddr(v)
  return type(v) == "userdata" and getmetatable(v) == AMT
end

local function tmpname(tag)
  return string.format("/tmp/lsock_api_%s_%d_%d", tag, lsock.getpid and lsock.getpid() or 0,
    math.random(1, 1e9))
end

-- A connected TCP pair over 127.0.0.1 with timeouts, and the listener.
local function tcppair()
  local l = assert(lsock.socket("inet", "stream"))
  assert(l:bind("127.0.0.1", 0))
  assert(l:listen())
  l:settimeout(2)
  local c = assert(lsock.socket("inet", "stream"))
  c:settimeout(2)
  assert(c:connect(l:getsockname()))
  local a, peer = assert(l:accept())
  a:settimeout(2)
  return c, a, l, peer
end

local function pair(t)
  local a, b = assert(lsock.socketpair("unix", t or "stream"))
  a:settimeout(2)
  b:settimeout(2)
  return a, b
end

local function udp()
  local s = assert(lsock.socket("inet", "dgram"))
  assert(s:bind("127.0.0.1", 0))
  s:settimeout(2)
  return s
end

-- Runs a Lua chunk in a fresh lua5.4 and returns its stdout.
local function fresh(code)
  local name = os.tmpname()
  local g = assert(io.open(name, "w"))
  g:write(code)
  g:close()
  local f = assert(io.popen("lua5.4 " .. name .. " 2>&1"))
  local out = f:read("a")
  f:close()
  os.remove(name)
  return out
end

-- Whether descriptor fd is open in this process (sockets cannot be
-- io.open'ed through /proc/self/fd, their fdinfo can).
local function isopen(fd)
  local f = io.open("/proc/self/fdinfo/" .. fd)
  if f then f:close() end
  return f ~= nil
end

local function nfds()
  local p = io.popen("ls /proc/" .. "self/fd | wc -l")
  local n = p:read("n")
  p:close()
  return n
end

describe("API.md modules", function()
  it("lsock.core is a table and lsock holds every core name", function()
    local core = require "lsock.core"
    assert.is_table(core)
    for k, v in pairs(core) do
      assert.are.equal(v, lsock[k], k)
    end
  end)

  it("lsock.core.socketmethods is every socket's method table, from all files", function()
    local core = require "lsock.core"
    local s <close> = assert(lsock.socket("inet", "stream"))
    assert.equal(getmetatable(s).__index, core.socketmethods)
    assert.equal(getmetatable(s), core._socketmt)
    -- one method of each C file's group (socket, options, msg, sendfile, sigio)
    for _, m in ipairs({ "recv", "setsockopt", "recvmsg", "sendfile", "setasync" }) do
      assert.is_function(core.socketmethods[m], m)
    end
    assert.equal(s:fileno(), core.socketmethods.fileno(s))
  end)

  it("require 'lsock' alone loads no helper module", function()
    local out = fresh([[
      require "lsock"
      local l = {}
      for _, m in ipairs{"tcp","udp","unix","stream","server","multicast","loop"} do
        if package.loaded["lsock." .. m] then l[#l + 1] = m end
      end
      io.write("loaded:", table.concat(l, ","), ";")
    ]])
    assert.are.equal("loaded:;", out)
  end)

  it("each helper is loaded on first use and is require 'lsock.x'", function()
    local out = fresh([[
      local lsock = require "lsock"
      local r = {}
      for _, m in ipairs{"tcp","udp","unix","stream","server","multicast","loop"} do
        local v = lsock[m]
        r[#r + 1] = m .. "=" .. tostring(type(v) == "table" and v == package.loaded["lsock." .. m]
          and v == require("lsock." .. m))
      end
      io.write(table.concat(r, " "))
    ]])
    assert.are.equal("tcp=true udp=true unix=true stream=true server=true "
      .. "multicast=true loop=true", out)
  end)

  it("loads from the source tree with the documented LUA_PATH/LUA_CPATH", function()
    local f = assert(io.popen([[env LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" ]]
      .. [[LUA_CPATH="./build/?.so;;" lua5.4 -l lsock -e "io.write(type(lsock.socket))" 2>&1]]))
    local out = f:read("a")
    f:close()
    assert.are.equal("function", out)
  end)
end)

describe("API.md conventions", function()
  it("lsock.errno maps names to codes and codes to names", function()
    assert.are.equal(111, E.ECONNREFUSED)
    assert.are.equal("ECONNREFUSED", E[E.ECONNREFUSED])
    assert.are.equal("ETIMEDOUT", E[E.ETIMEDOUT])
    assert.are.equal("EAGAIN", E[11] == "EWOULDBLOCK" and "EAGAIN" or E[11])
  end)

  it("a system failure returns nil, strerror text, errno", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    local addr = l:getsockname()
    l:close()
    local c = assert(lsock.socket("inet", "stream"))
    local ok, msg, err = c:connect(addr)
    c:close()
    assert.is_nil(ok)
    assert.are.equal("Connection refused", msg)
    assert.are.equal(E.ECONNREFUSED, err)
    assert.are.equal("integer", math.type(err))
  end)

  it("a timeout returns nil, 'timeout', ETIMEDOUT", function()
    local a, b = pair()
    a:settimeout(0.05)
    local r = table.pack(a:recv(10))
    a:close() b:close()
    assert.are.same({ n = 3, nil, "timeout", E.ETIMEDOUT }, r)
  end)

  it("would block on a non-blocking socket returns nil, msg, EAGAIN", function()
    local a, b = pair()
    a:settimeout(0)
    local ok, msg, err = a:recv(10)
    a:close() b:close()
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.are.equal(E.EAGAIN, err)
  end)

  it("programming errors raise naming the function and argument", function()
    local s = assert(lsock.socket("inet", "stream"))
    assert.has_error(function() lsock.socket("bogus", "stream") end)
    local ok, msg = pcall(lsock.socket, "bogus", "stream")
    assert.is_false(ok)
    assert.matches("bad argument #1 to '[%w.]*socket'", msg)
    ok, msg = pcall(s.setsockopt, s, "socket", "nosuchoption", 1)
    assert.is_false(ok)
    assert.matches("bad argument", msg)
    ok, msg = pcall(function() return s:recv("x") end)
    assert.is_false(ok)
    assert.matches("bad argument #1 to '[%w.:]*recv'", msg)
    local u = assert(lsock.socket("unix", "stream"))
    ok, msg = pcall(u.bind, u, "/tmp/" .. string.rep("x", 200))
    assert.is_false(ok)
    assert.matches("bad argument", msg)
    ok, msg = pcall(lsock.addr, "/tmp/" .. string.rep("x", 200))
    assert.is_false(ok)
    assert.matches("bad argument", msg)
    u:close()
    s:close()
  end)

  it("takes numbers or lowercase names for families, types, protocols", function()
    local s1 = assert(lsock.socket(lsock.AF_INET6, lsock.SOCK_DGRAM, lsock.IPPROTO_UDP))
    local s2 = assert(lsock.socket("inet6", "dgram", "udp"))
    assert.are.equal(s1:family(), s2:family())
    assert.are.equal(s1:type(), s2:type())
    assert.are.equal(s1:protocol(), s2:protocol())
    local s3 = assert(lsock.socket("inet", "stream", "tcp"))
    assert.are.equal(lsock.IPPROTO_TCP, s3:protocol())
    local s4 = assert(lsock.socket("unix", "seqpacket"))
    assert.are.equal("seqpacket", s4:type())
    -- any /etc/protocols name
    local s5 = assert(lsock.socket("inet", "raw", "icmp"))
    assert.are.equal(1, s5:protocol())
    for _, s in ipairs { s1, s2, s3, s4, s5 } do s:close() end
  end)

  it("accepts 'icmpv6' for protocol 58", function()
    local s = assert(lsock.socket("inet6", "raw", "icmpv6"))
    assert.are.equal(58, s:protocol())
    s:close()
  end)

  it("unknown family, type, protocol, level or option names raise", function()
    local s = assert(lsock.socket("inet", "stream"))
    assert.has_error(function() lsock.socket("inet5", "stream") end)
    assert.has_error(function() lsock.socket("inet", "streams") end)
    assert.has_error(function() lsock.socket("inet", "stream", "nosuchproto") end)
    assert.has_error(function() s:setsockopt("nosuchlevel", "reuseaddr", true) end)
    assert.has_error(function() s:getsockopt("socket", "nosuchoption") end)
    assert.has_error(function() s:shutdown("sideways") end)
    assert.has_error(function() s:recv(1, "peek nosuchflag") end)
    s:close()
  end)

  it("levels, option names, shutdown names and flag strings", function()
    local c, a, l = tcppair()
    assert.is_true(c:setsockopt("socket", "reuseaddr", true))
    assert.is_true(c:getsockopt(lsock.SOL_SOCKET, "reuseaddr"))
    assert.is_true(c:setsockopt("tcp", "nodelay", true))
    assert.is_true(c:getsockopt("tcp", "nodelay"))
    assert.is_number(c:getsockopt("ip", "ttl"))
    assert.are.equal(3, c:send("abc"))
    -- "peek waitall" as a string of names: waits for all 3, leaves them queued
    assert.are.equal("abc", a:recv(3, "peek waitall"))
    assert.are.equal("abc", a:recv(3, lsock.MSG_PEEK))
    assert.are.equal("abc", a:recv(3))
    assert.is_true(c:shutdown("wr"))
    assert.are.equal("", a:recv(10))
    assert.is_true(a:shutdown("rd"))
    assert.is_true(a:shutdown("rdwr"))
    c:close() a:close() l:close()
    local u = assert(lsock.socket("inet6", "dgram"))
    assert.is_true(u:setsockopt("ipv6", "v6only", true))
    assert.is_true(u:getsockopt("ipv6", "v6only"))
    assert.is_number(u:getsockopt("udp", "cork") and 1 or 1)
    u:close()
  end)

  it("calls with nothing else to return return true", function()
    local s = assert(lsock.socket("inet", "stream"))
    assert.are.same({ n = 1, true }, table.pack(s:settimeout(1)))
    assert.are.same({ n = 1, true }, table.pack(s:settimeout(nil)))
    assert.are.same({ n = 1, true }, table.pack(s:setblocking(true)))
    assert.are.same({ n = 1, true }, table.pack(s:bind("127.0.0.1", 0)))
    assert.are.same({ n = 1, true }, table.pack(s:listen()))
    assert.are.same({ n = 1, true }, table.pack(s:close()))
  end)

  it("socketpair and accept failures return nil, msg, errno", function()
    local r = table.pack(lsock.socketpair("inet", "stream"))
    assert.are.equal(3, r.n)
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EOPNOTSUPP, r[3])
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    l:settimeout(0)
    r = table.pack(l:accept())
    assert.are.same({ n = 3, nil, r[2], E.EAGAIN }, r)
    l:settimeout(0.05)
    r = table.pack(l:accept())
    assert.are.same({ n = 3, nil, "timeout", E.ETIMEDOUT }, r)
    l:close()
  end)

  it("SIGPIPE does not kill: send to a closed peer reports EPIPE", function()
    local a, b = pair()
    b:close()
    local ok, msg, err = a:send("x")
    a:close()
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.are.equal(E.EPIPE, err)
  end)

  it("sockets support <close> and __gc", function()
    local fd
    do
      local s <close> = assert(lsock.socket("inet", "stream"))
      fd = s:fileno()
      assert.is_true(isopen(fd))
    end
    assert.is_false(isopen(fd))
    do
      local s = assert(lsock.socket("inet", "stream"))
      fd = s:fileno()
      s = nil -- luacheck: ignore
    end
    collectgarbage() collectgarbage()
    assert.is_false(isopen(fd))
  end)

  it("tostring shows family, type, fd, addresses, or closed", function()
    local c, a, l = tcppair()
    local t = tostring(c)
    assert.matches("inet", t)
    assert.matches("stream", t)
    assert.matches(tostring(c:fileno()), t, 1, true)
    assert.matches(tostring(c:getsockname()), t, 1, true)
    assert.matches(tostring(c:getpeername()), t, 1, true)
    c:close()
    assert.matches("closed", tostring(c))
    a:close() l:close()
  end)

  it("integers stay integers", function()
    local c, a, l = tcppair()
    assert.are.equal("integer", math.type(c:send("hello")))
    assert.are.equal("integer", math.type(c:getsockname().port))
    assert.are.equal("integer", math.type(c:fileno()))
    assert.are.equal("integer", math.type(c:getsockopt("socket", "rcvbuf")))
    c:close() a:close() l:close()
  end)

  it("results are names: s:family(), s:type(), a.family; protocol integer", function()
    local s = assert(lsock.socket("inet6", "dgram"))
    assert.are.equal("inet6", s:family())
    assert.are.equal("dgram", s:type())
    assert.are.equal("integer", math.type(s:protocol()))
    s:close()
    local u = assert(lsock.socket("unix", "stream"))
    assert.are.equal("unix", u:family())
    assert.are.equal("stream", u:type())
    u:close()
    local r = assert(lsock.socket("inet", "raw", "icmp"))
    assert.are.equal("raw", r:type())
    r:close()
    assert.are.equal("inet", lsock.addr("127.0.0.1", 1).family)
    assert.are.equal("inet6", lsock.addr("::1", 1).family)
    assert.are.equal("unix", lsock.addr("/tmp/x").family)
  end)

  it("getsockopt type and domain give the C integers", function()
    local s = assert(lsock.socket("inet6", "dgram"))
    local t, d = s:getsockopt("socket", "type"), s:getsockopt("socket", "domain")
    s:close()
    assert.are.equal(lsock.SOCK_DGRAM, t)
    assert.are.equal(lsock.AF_INET6, d)
    assert.are.equal("integer", math.type(t))
    assert.are.equal("integer", math.type(d))
  end)

  it("a closed (or detached) socket raises on every method but close/tostring", function()
    local methods = {
      { "bind", "127.0.0.1", 0 }, { "listen" }, { "connect", "127.0.0.1", 1 },
      { "accept" }, { "send", "x" }, { "sendall", "x" }, { "recv", 1 },
      { "sendto", "x", "127.0.0.1", 1 }, { "recvfrom", 1 },
      { "sendmsg", "x", {}, 0 }, { "recvmsg", 1 }, { "sendmmsg", { "x" } },
      { "recvmmsg", 1, 1 }, { "shutdown", "rdwr" },
      { "setsockopt", "socket", "reuseaddr", true }, { "getsockopt", "socket", "type" },
      { "settimeout", 1 }, { "gettimeout" }, { "setblocking", true },
      { "getsockname" }, { "getpeername" }, { "atmark" }, { "fileno" },
      { "detach" }, { "dup" }, { "family" }, { "type" }, { "protocol" },
    }
    for _, how in ipairs { "close", "detach" } do
      local s = assert(lsock.socket("inet", "stream"))
      local fd = s[how](s)
      if how == "detach" then lsock.close(fd) end
      for _, m in ipairs(methods) do
        assert.is_function(s[m[1]], m[1])
        -- called as s:name(...) so that the error can name the method
        local call = load("local s = ...; return s:" .. m[1] .. "(select(2, ...))")
        local ok, msg = pcall(call, s, table.unpack(m, 2))
        assert.is_false(ok, how .. " then " .. m[1])
        assert.matches(m[1], msg, 1, true)
      end
      assert.is_true(s:close())
      assert.matches("closed", tostring(s))
    end
  end)
end)

describe("API.md sockaddr", function()
  it("lsock.addr makes IPv4 and IPv6 addresses from literals", function()
    local a = assert(lsock.addr("127.0.0.1", 80))
    assert.are.equal("inet", a.family)
    assert.are.equal("127.0.0.1", a.host)
    assert.are.equal(80, a.port)
    local b = assert(lsock.addr("::1", 80))
    assert.are.equal("inet6", b.family)
    assert.are.equal("::1", b.host)
    local c = assert(lsock.addr("fe80::1%lo", 9))
    assert.are.equal(lsock.if_nametoindex("lo"), c.scope_id)
    assert.are.equal("integer", math.type(c.flowinfo))
  end)

  it("'*' is the wildcard of the family given, default inet", function()
    assert.are.equal("0.0.0.0", lsock.addr("*", 5).host)
    assert.are.equal("inet", lsock.addr("*", 5).family)
    local a = lsock.addr("*", 5, "inet6")
    assert.are.equal("inet6", a.family)
    assert.are.equal("::", a.host)
    assert.are.equal(5, a.port)
  end)

  it("lsock.addr(path) makes unix and abstract addresses", function()
    local a = assert(lsock.addr("/run/x.sock"))
    assert.are.equal("unix", a.family)
    assert.are.equal("/run/x.sock", a.path)
    assert.are.equal("/run/x.sock", tostring(a))
    assert.are.equal("/run/x.sock", a:unpack())
    local b = assert(lsock.addr("\0abstract"))
    assert.are.equal("unix", b.family)
    assert.are.equal("\0abstract", b.path)
  end)

  it("bad literals return nil, message", function()
    local a, msg = lsock.addr("300.1.1.1", 80)
    assert.is_nil(a)
    assert.is_string(msg)
    a, msg = lsock.addr("not-an-address", 80)
    assert.is_nil(a)
    assert.is_string(msg)
  end)

  it("tostring, == and unpack", function()
    assert.are.equal("127.0.0.1:80", tostring(lsock.addr("127.0.0.1", 80)))
    assert.are.equal("[::1]:80", tostring(lsock.addr("::1", 80)))
    assert.is_true(lsock.addr("127.0.0.1", 80) == lsock.addr("127.0.0.1", 80))
    assert.is_false(lsock.addr("127.0.0.1", 80) == lsock.addr("127.0.0.1", 81))
    assert.is_true(lsock.addr("/a") == lsock.addr("/a"))
    local h, p = lsock.addr("::1", 443):unpack()
    assert.are.equal("::1", h)
    assert.are.equal(443, p)
    h, p = lsock.addr("127.0.0.1", 7):unpack()
    assert.are.equal("127.0.0.1", h)
    assert.are.equal(7, p)
  end)

  it("methods take a sockaddr, host+port (resolved, '*') or a unix path", function()
    local s = assert(lsock.socket("inet", "dgram"))
    assert.is_true(s:bind("*", 0))
    assert.are.equal("0.0.0.0", s:getsockname().host)
    local t = assert(lsock.socket("inet", "dgram"))
    assert.is_true(t:bind(lsock.addr("127.0.0.1", 0)))
    assert.is_true(s:connect("localhost", t:getsockname().port))
    assert.are.equal(t:getsockname().port, s:getpeername().port)
    assert.are.equal("127.0.0.1", s:getpeername().host)
    s:close() t:close()
    local path = tmpname("addr")
    local u = assert(lsock.socket("unix", "dgram"))
    finally(function() u:close() os.remove(path) end)
    assert.is_true(u:bind(path))
    assert.are.equal(path, u:getsockname().path)
  end)

  it("accept, recvfrom, recvmsg, getsockname, getpeername, getaddrinfo give sockaddrs",
    function()
      local c, a, l, peer = tcppair()
      assert.is_true(issockaddr(peer))
      assert.is_true(issockaddr(c:getsockname()))
      assert.is_true(issockaddr(c:getpeername()))
      assert.is_true(peer == c:getsockname())
      c:close() a:close() l:close()
      local x, y = udp(), udp()
      assert(x:sendto("q", y:getsockname()))
      local data, from = y:recvfrom(10)
      assert.are.equal("q", data)
      assert.is_true(issockaddr(from))
      -- reply straight to recvfrom's address
      assert.are.equal(1, y:sendto("r", from))
      assert.are.equal("r", x:recv(10))
      assert(x:sendto("m", y:getsockname()))
      local _, _, _, from2 = y:recvmsg(10)
      assert.is_true(issockaddr(from2))
      assert.is_true(from2 == x:getsockname())
      x:close() y:close()
      local ai = assert(lsock.getaddrinfo("127.0.0.1", "80"))
      assert.is_true(issockaddr(ai[1].addr))
    end)
end)

describe("API.md socket constructors", function()
  it("socket returns a socket or nil, msg, errno", function()
    local s, msg, err = lsock.socket("inet", "stream", "udp")
    assert.is_nil(s)
    assert.is_string(msg)
    assert.are.equal(E.EPROTONOSUPPORT, err)
  end)

  it("socketpair returns two connected sockets", function()
    local a, b = pair("dgram")
    assert.are.equal(2, a:send("hi"))
    assert.are.equal("hi", b:recv(10))
    a:close() b:close()
  end)

  it("fromfd wraps a descriptor and takes ownership", function()
    local a, b = pair()
    local fd = a:detach()
    assert.are.equal("integer", math.type(fd))
    local w = assert(lsock.fromfd(fd))
    assert.are.equal(fd, w:fileno())
    assert.are.equal("unix", w:family())
    assert.are.equal(1, w:send("z"))
    assert.are.equal("z", b:recv(1))
    assert.is_true(w:close())
    assert.is_false(isopen(fd))
    b:close()
  end)
end)

describe("API.md socket methods", function()
  it("bind/listen/connect return true; accept gives socket and peer", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert.are.equal(true, l:bind("127.0.0.1", 0))
    assert.are.equal(true, l:listen())
    local l2 = assert(lsock.socket("inet", "stream"))
    assert(l2:bind("127.0.0.1", 0))
    assert.are.equal(true, l2:listen(5))
    local c = assert(lsock.socket("inet", "stream"))
    assert.are.equal(true, c:connect(l:getsockname()))
    l:settimeout(2)
    local a, peer = l:accept()
    assert.are.equal("stream", a:type())
    assert.is_true(peer == c:getsockname())
    a:close() c:close() l:close() l2:close()
  end)

  it("accept of an unnamed unix peer has path ''", function()
    local path = tmpname("acc")
    local l = assert(lsock.socket("unix", "stream"))
    finally(function() l:close() os.remove(path) end)
    assert(l:bind(path))
    assert(l:listen())
    local c = assert(lsock.socket("unix", "stream"))
    assert(c:connect(path))
    l:settimeout(2)
    local a, peer = assert(l:accept())
    assert.are.equal("unix", peer.family)
    assert.are.equal("", peer.path)
    a:close() c:close()
  end)

  it("send(data, flags, i, j) sends data:sub(i, j), negative as string.sub", function()
    local a, b = pair("dgram")
    assert.are.equal(3, a:send("abcdef", 0, 2, 4))
    assert.are.equal("bcd", b:recv(10))
    assert.are.equal(2, a:send("abcdef", nil, -2))
    assert.are.equal("ef", b:recv(10))
    assert.are.equal(3, a:send("abcdef", 0, -4, -2))
    assert.are.equal("cde", b:recv(10))
    a:close() b:close()
  end)

  it("sendall returns the range's length; failure adds sent_so_far", function()
    local c, a, l = tcppair()
    local big = string.rep("x", 300000)
    assert.are.equal(3, c:sendall("abcdef", 2, 4))
    assert.are.equal("bcd", a:recv(3))
    assert.are.equal(5, c:sendall("hello", -5))
    assert.are.equal("hello", a:recv(5, "waitall"))
    c:close() a:close() l:close()
    local x, y = pair()
    y:close()
    local r = table.pack(x:sendall(big))
    x:close()
    assert.are.equal(4, r.n)
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EPIPE, r[3])
    assert.are.equal(0, r[4])
    assert.are.equal("integer", math.type(r[4]))
  end)

  it("sendall timing out reports the bytes sent so far", function()
    local c, a, l = tcppair()
    c:setsockopt("socket", "sndbuf", 4096)
    a:setsockopt("socket", "rcvbuf", 4096)
    c:settimeout(0.1)
    local r = table.pack(c:sendall(string.rep("y", 8 * 1024 * 1024)))
    assert.are.equal(4, r.n)
    assert.is_nil(r[1])
    assert.are.equal("timeout", r[2])
    assert.are.equal(E.ETIMEDOUT, r[3])
    assert.are.equal("integer", math.type(r[4]))
    assert.is_true(r[4] > 0 and r[4] < 8 * 1024 * 1024)
    c:close() a:close() l:close()
  end)

  it("recv returns a string and '' when the peer shut down", function()
    local a, b = pair()
    a:send("data")
    assert.are.equal("data", b:recv(10))
    a:shutdown("wr")
    assert.are.equal("", b:recv(10))
    a:close() b:close()
  end)

  it("sendto returns bytes sent, recvfrom data and sender", function()
    local x, y = udp(), udp()
    assert.are.equal(5, x:sendto("hello", "127.0.0.1", y:getsockname().port))
    local d, from = y:recvfrom(100)
    assert.are.equal("hello", d)
    assert.is_true(from == x:getsockname())
    assert.are.equal(2, x:sendto("pk", y:getsockname(), "dontwait"))
    assert.are.equal("pk", (y:recvfrom(100, "peek")))
    assert.are.equal("pk", (y:recvfrom(100)))
    x:close() y:close()
  end)

  it("sendmsg/recvmsg with buffers, ancillary, flags and SCM_RIGHTS", function()
    local a, b = pair("dgram")
    local x, y = pair()
    -- string buffers, sockets accepted in SCM_RIGHTS, numeric level/type
    local n = a:sendmsg({ "ab", "cd" }, { { lsock.SOL_SOCKET, lsock.SCM_RIGHTS, { x } } }, 0)
    assert.are.equal(4, n)
    local data, anc, flags, from = b:recvmsg(100, 256)
    assert.are.equal("abcd", data)
    assert.are.equal("integer", math.type(flags))
    assert.is_true(issockaddr(from))
    assert.are.equal(1, #anc)
    assert.are.equal(lsock.SOL_SOCKET, anc[1][1])
    assert.are.equal(lsock.SCM_RIGHTS, anc[1][2])
    local fd = anc[1][3][1]
    assert.are.equal("integer", math.type(fd))
    -- close-on-exec
    local f = io.open("/proc/self/fdinfo/" .. fd)
    local info = f:read("a")
    f:close()
    local fl = tonumber(info:match("flags:%s*(%d+)"), 8)
    assert.are_not.equal(0, fl & 0x80000) -- O_CLOEXEC
    local w = assert(lsock.fromfd(fd))
    assert.are.equal(1, w:send("!"))
    assert.are.equal("!", y:recv(1))
    w:close()
    -- names accepted when sending; a plain string buffer; integer fds
    assert.are.equal(2, a:sendmsg("ef", { { "socket", "rights", { x:fileno() } } }, "dontwait"))
    data, anc = b:recvmsg(100, 256, 0)
    assert.are.equal("ef", data)
    assert.is_true(lsock.close(anc[1][3][1]))
    -- addr argument on an unconnected datagram socket
    local u, v = udp(), udp()
    assert.are.equal(1, u:sendmsg("Q", {}, 0, v:getsockname()))
    local d2, anc2, _, from2 = v:recvmsg(10)
    assert.are.equal("Q", d2)
    assert.are.same({}, anc2)
    assert.is_true(from2 == u:getsockname())
    for _, s in ipairs { a, b, x, y, u, v } do s:close() end
  end)

  it("sendmmsg returns a count; recvmmsg data array and sender array", function()
    local x, y = udp(), udp()
    assert.are.equal(3, x:sendmmsg({ "a", "bb", "ccc" }, y:getsockname()))
    local data, froms = y:recvmmsg(8, 100)
    assert.are.same({ "a", "bb", "ccc" }, data)
    assert.are.equal(3, #froms)
    for i = 1, 3 do
      assert.is_true(issockaddr(froms[i]))
      assert.is_true(froms[i] == x:getsockname())
    end
    -- one address per datagram
    local z = udp()
    assert.are.equal(2, x:sendmmsg({ "1", "2" }, { y:getsockname(), z:getsockname() }))
    assert.are.same({ "1" }, (y:recvmmsg(4, 10)))
    assert.are.same({ "2" }, (z:recvmmsg(4, 10, "dontwait")))
    -- connected: no address
    assert(x:connect(y:getsockname()))
    assert.are.equal(1, x:sendmmsg({ "c" }))
    assert.are.same({ "c" }, (y:recvmmsg(4, 10)))
    x:close() y:close() z:close()
  end)

  it("shutdown returns true and close is true twice", function()
    local a, b = pair()
    assert.are.equal(true, a:shutdown("rdwr"))
    assert.are.equal(true, a:close())
    assert.are.equal(true, a:close())
    b:close()
  end)

  it("setsockopt returns true; getsockopt the typed value", function()
    local c, a, l = tcppair()
    assert.are.equal(true, c:setsockopt("socket", "keepalive", 1))
    assert.are.equal(true, c:getsockopt("socket", "keepalive"))
    assert.are.equal(true, c:setsockopt("socket", "keepalive", false))
    assert.are.equal(false, c:getsockopt("socket", "keepalive"))
    assert.are.equal(true, c:setsockopt("socket", "rcvbuf", 65536))
    assert.are.equal("integer", math.type(c:getsockopt("socket", "rcvbuf")))
    assert.are.equal(true, c:setsockopt("socket", "rcvtimeo", 1.5))
    assert.are.equal(1.5, c:getsockopt("socket", "rcvtimeo"))
    assert.are.equal(true, c:setsockopt("socket", "sndtimeo", 0.25))
    -- the kernel rounds to its tick
    assert.is_true(math.abs(c:getsockopt("socket", "sndtimeo") - 0.25) < 0.02)
    assert.are.equal(true, c:setsockopt("socket", "linger", { onoff = true, linger = 3 }))
    assert.are.same({ onoff = true, linger = 3 }, c:getsockopt("socket", "linger"))
    assert.are.equal(true, c:setsockopt("socket", "bindtodevice", "lo"))
    assert.are.equal("lo", c:getsockopt("socket", "bindtodevice"))
    assert.are.equal(true, c:setsockopt("tcp", "congestion", "reno"))
    assert.are.equal("reno", c:getsockopt("tcp", "congestion"))
    local info = c:getsockopt("tcp", "info")
    assert.is_table(info)
    assert.is_not_nil(info.state)
    c:close() a:close() l:close()
    local x, y = pair()
    local cred = x:getsockopt("socket", "peercred")
    assert.is_table(cred)
    assert.are.equal("integer", math.type(cred.pid))
    assert.is_not_nil(cred.uid)
    assert.is_not_nil(cred.gid)
    x:close() y:close()
  end)

  it("numeric level/name: int or raw bytes as in C", function()
    local s = assert(lsock.socket("inet", "stream"))
    -- known option by numbers: typed as by name
    assert.are.equal(true, s:setsockopt(lsock.SOL_SOCKET, lsock.SO_KEEPALIVE, true))
    assert.are.equal(true, s:getsockopt(lsock.SOL_SOCKET, lsock.SO_KEEPALIVE))
    -- TCP_SYNCNT (7) is not in the option table: raw bytes or an integer
    -- to set, a C int to get, raw bytes when a size is given
    assert.are.equal(true, s:setsockopt(lsock.IPPROTO_TCP, 7, string.pack("i4", 3)))
    assert.are.equal(3, s:getsockopt(lsock.IPPROTO_TCP, 7))
    assert.are.equal(true, s:setsockopt(lsock.IPPROTO_TCP, 7, 4))
    assert.are.equal("integer", math.type(s:getsockopt(lsock.IPPROTO_TCP, 7)))
    local raw = s:getsockopt(lsock.IPPROTO_TCP, 7, 4)
    assert.are.equal("string", type(raw))
    assert.are.equal(4, #raw)
    assert.are.equal(4, string.unpack("i4", raw))
    -- SOL_SOCKET 1000 is unknown to table and kernel: a system failure
    local ok, msg, err = s:setsockopt(lsock.SOL_SOCKET, 1000, string.pack("i4", 1))
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.are.equal(E.ENOPROTOOPT, err)
    ok, msg, err = s:setsockopt(lsock.SOL_SOCKET, 1000, 1)
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.are.equal(E.ENOPROTOOPT, err)
    s:close()
  end)

  it("multicast option values are accepted without traffic (multicast_if)", function()
    local s = assert(lsock.socket("inet", "dgram"))
    assert.are.equal(true, s:setsockopt("ip", "multicast_if", "127.0.0.1"))
    assert.are.equal(true, s:setsockopt("ip", "multicast_if", lsock.if_nametoindex("lo")))
    s:close()
    local s6 = assert(lsock.socket("inet6", "dgram"))
    assert.are.equal(true, s6:setsockopt("ipv6", "multicast_if", lsock.if_nametoindex("lo")))
    assert.are.equal(true, s6:setsockopt("ipv6", "multicast_if", "lo"))
    assert.are.equal(lsock.if_nametoindex("lo"), s6:getsockopt("ipv6", "multicast_if"))
    -- leaving a group never joined: the kernel answers, nothing is sent
    local ok, msg, err = s6:setsockopt("ipv6", "leave_group",
      { multiaddr = "ff15::4242", interface = "lo" })
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.is_number(err)
    ok, msg, err = s6:setsockopt("ipv6", "drop_membership", "ff15::4242")
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.is_number(err)
    s6:close()
  end)

  it("settimeout/gettimeout: nil blocking, 0 non-blocking, >0 seconds", function()
    local s = assert(lsock.socket("inet", "stream"))
    assert.is_nil(s:gettimeout())
    s:settimeout(0)
    assert.are.equal(0, s:gettimeout())
    s:settimeout(1.5)
    assert.are.equal(1.5, s:gettimeout())
    s:settimeout(nil)
    assert.is_nil(s:gettimeout())
    assert.are.equal(true, s:setblocking(false))
    assert.are.equal(0, s:gettimeout())
    assert.are.equal(true, s:setblocking(true))
    assert.is_nil(s:gettimeout())
    s:close()
  end)

  it("atmark returns a boolean", function()
    local c, a, l = tcppair()
    assert.are.equal(false, a:atmark())
    assert(c:send("ab"))
    assert(c:send("!", "oob"))
    -- a read stops at the mark; then atmark is true
    assert.are.equal("ab", a:recv(2, "waitall"))
    local m
    for _ = 1, 100 do
      m = a:atmark()
      if m then break end
      lsock.sleep(0.01)
    end
    assert.are.equal(true, m)
    assert.are.equal("!", a:recv(1, "oob"))
    c:close() a:close() l:close()
  end)

  it("fileno, detach and dup", function()
    local a, b = pair()
    local fd = a:fileno()
    assert.are.equal("integer", math.type(fd))
    local d = assert(a:dup())
    assert.are_not.equal(fd, d:fileno())
    assert.are.equal("unix", d:family())
    assert.are.equal(fd, a:detach())
    assert.has_error(function() a:fileno() end)
    assert.is_true(isopen(fd))
    assert.is_true(lsock.close(fd))
    assert.are.equal(1, d:send("d"))
    assert.are.equal("d", b:recv(1))
    d:close() b:close()
  end)
end)

describe("API.md module functions", function()
  it("getaddrinfo returns entries with names and a sockaddr", function()
    local r = assert(lsock.getaddrinfo("127.0.0.1", "80",
      { family = "inet", socktype = "stream", flags = "numerichost" }))
    assert.is_true(#r >= 1)
    local e = r[1]
    assert.are.equal("inet", e.family)
    assert.are.equal("stream", e.socktype)
    assert.are.equal("integer", math.type(e.protocol))
    assert.are.equal(lsock.IPPROTO_TCP, e.protocol)
    assert.are.equal("127.0.0.1:80", tostring(e.addr))
    local r6 = assert(lsock.getaddrinfo("::1", 53, { socktype = "dgram", protocol = "udp" }))
    assert.are.equal("inet6", r6[1].family)
    assert.are.equal("dgram", r6[1].socktype)
    assert.are.equal(lsock.IPPROTO_UDP, r6[1].protocol)
    local rc = assert(lsock.getaddrinfo("localhost", nil,
      { family = lsock.AF_INET, flags = lsock.AI_CANONNAME }))
    assert.is_string(rc[1].canonname)
  end)

  it("getaddrinfo errors are nil, gai message, code", function()
    local r, msg, code = lsock.getaddrinfo("no such host!", "80", { flags = "numerichost" })
    assert.is_nil(r)
    assert.is_string(msg)
    assert.are.equal(lsock.EAI_NONAME, code)
  end)

  it("getnameinfo returns host, service", function()
    local h, s = lsock.getnameinfo(lsock.addr("127.0.0.1", 80), "numerichost numericserv")
    assert.are.equal("127.0.0.1", h)
    assert.are.equal("80", s)
    h, s = lsock.getnameinfo(lsock.addr("::1", 22), lsock.NI_NUMERICHOST | lsock.NI_NUMERICSERV)
    assert.are.equal("::1", h)
    assert.are.equal("22", s)
    h, s = lsock.getnameinfo(lsock.addr("127.0.0.1", 80))
    assert.is_string(h)
    assert.is_string(s)
  end)

  it("host, service, protocol and interface names", function()
    assert.is_string(lsock.gethostname())
    assert.are.equal(80, lsock.getservbyname("http", "tcp"))
    assert.are.equal(80, lsock.getservbyname("http"))
    assert.are.equal("http", lsock.getservbyport(80, "tcp"))
    assert.are.equal("http", lsock.getservbyport(80))
    assert.are.equal(6, lsock.getprotobyname("tcp"))
    assert.are.equal("tcp", lsock.getprotobynumber(6))
    assert.are.equal("udp", lsock.getprotobynumber(17))
    local i = lsock.if_nametoindex("lo")
    assert.are.equal("integer", math.type(i))
    assert.are.equal("lo", lsock.if_indextoname(i))
  end)

  it("inet_pton / inet_ntop", function()
    assert.are.equal("\127\0\0\1", lsock.inet_pton("inet", "127.0.0.1"))
    assert.are.equal(16, #lsock.inet_pton("inet6", "::1"))
    assert.are.equal("\127\0\0\1", lsock.inet_pton(lsock.AF_INET, "127.0.0.1"))
    local r = table.pack(lsock.inet_pton("inet", "1.2.3"))
    assert.is_nil(r[1])
    assert.are.equal("invalid address", r[2])
    assert.are.equal("10.0.0.1", lsock.inet_ntop("inet", "\10\0\0\1"))
    assert.are.equal("::1", lsock.inet_ntop("inet6", lsock.inet_pton("inet6", "::1")))
    assert.has_error(function() lsock.inet_ntop("inet", "abc") end)
    assert.has_error(function() lsock.inet_ntop("inet6", "\1\2\3\4") end)
  end)

  it("htons/htonl/ntohs/ntohl on integers", function()
    assert.are.equal(0x3412, lsock.htons(0x1234))
    assert.are.equal(0x1234, lsock.ntohs(0x3412))
    assert.are.equal(0x78563412, lsock.htonl(0x12345678))
    assert.are.equal(0x12345678, lsock.ntohl(0x78563412))
    assert.are.equal("integer", math.type(lsock.htonl(1)))
  end)

  it("IPv4-only porting calls", function()
    local h = assert(lsock.gethostbyname("localhost"))
    assert.is_string(h.name)
    assert.is_table(h.aliases)
    assert.are.equal("inet", h.addrtype)
    assert.is_table(h.addresses)
    assert.are.equal("127.0.0.1", h.addresses[1])
    local b = assert(lsock.gethostbyaddr("127.0.0.1"))
    assert.is_string(b.name)
    assert.is_table(b.aliases)
    assert.are.equal("inet", b.addrtype)
    assert.are.equal("127.0.0.1", b.addresses[1])
    assert.are.equal("\127\0\0\1", lsock.inet_aton("127.0.0.1"))
    assert.are.equal(0x7F000001, lsock.inet_addr("127.0.0.1"))
    local r = table.pack(lsock.inet_addr("300.0.0.1"))
    assert.is_nil(r[1])
    assert.are.equal("invalid address", r[2])
    assert.are.equal("127.0.0.1", lsock.inet_ntoa("\127\0\0\1"))
    assert.are.equal("127.0.0.1", lsock.inet_ntoa(0x7F000001))
  end)

  it("select: arrays in given order, non-numbers also keys", function()
    local a, b = pair()
    local c, d = pair()
    local obj = { fileno = function() return d:fileno() end }
    b:send("x")
    c:send("y") -- d readable
    local r, w = lsock.select({ a, obj, d:fileno() }, { b }, 1)
    assert.are.equal(3, #r)
    assert.are.equal(a, r[1])
    assert.are.equal(obj, r[2])
    assert.are.equal(d:fileno(), r[3])
    assert.is_true(r[a])
    assert.is_true(r[obj])
    assert.is_nil(r[d:fileno()])
    assert.are.equal(1, #w)
    assert.are.equal(b, w[1])
    assert.is_true(w[b])
    for _, s in ipairs { a, b, c, d } do s:close() end
  end)

  it("select accepts Lua file handles and stdin as 0", function()
    local f = assert(io.open("/dev/null"))
    local r = lsock.select({ f }, {}, 1)
    assert.are.equal(f, r[1])
    assert.is_true(r[f])
    f:close()
    local p = assert(io.popen("sleep 1", "r"))
    local r2, w2 = lsock.select({ p, 0 }, {}, 0)
    assert.is_table(r2)
    assert.is_table(w2)
    p:close()
  end)

  it("select on timeout gives two empty tables", function()
    local a, b = pair()
    local r, w = lsock.select({ a }, {}, 0.05)
    assert.are.same({}, r)
    assert.are.same({}, w)
    a:close() b:close()
  end)

  it("select is not limited to 1024 descriptors", function()
    local a, b = pair()
    local keep = {}
    for i = 1, 1100 do keep[i] = assert(a:dup()) end
    local high = keep[#keep]
    assert.is_true(high:fileno() > 1024)
    b:send("x")
    local r = lsock.select({ high }, {}, 1)
    assert.are.equal(high, r[1])
    for _, s in ipairs(keep) do s:close() end
    a:close() b:close()
  end)

  it("poller: add/modify/remove, iterator of obj, events, data", function()
    local p = assert(lsock.poller())
    local a, b = pair()
    local c, d = pair()
    assert.is_not_nil(p:add(a, "r", "A"))
    assert.is_not_nil(p:add(c, "w", "C"))
    local seen = {}
    for obj, ev, data in p:wait(1) do seen[#seen + 1] = { obj, ev, data } end
    assert.are.same({ { c, "w", "C" } }, seen)
    b:send("x")
    assert.is_not_nil(p:modify(c, "r")) -- keeps "C"
    seen = {}
    for obj, ev, data in p:wait(1) do seen[#seen + 1] = { obj, ev, data } end
    assert.are.same({ { a, "r", "A" } }, seen)
    d:send("y")
    seen = {}
    for obj, ev, data in p:wait(1) do seen[obj] = { ev, data } end
    assert.are.same({ "r", "C" }, seen[c])
    assert.is_not_nil(p:modify(c, "rw", "C2"))
    assert.is_not_nil(p:remove(a))
    seen = {}
    for obj, ev, data in p:wait(1) do seen[#seen + 1] = { obj, ev, data } end
    assert.are.same({ { c, "rw", "C2" } }, seen)
    -- hang-up
    assert.is_not_nil(p:remove(c))
    local e, f = pair()
    assert.is_not_nil(p:add(e, "r"))
    f:close()
    local evs
    for obj, ev in p:wait(1) do if obj == e then evs = ev end end
    assert.matches("h", evs)
    assert.matches("^[rwh]+$", evs)
    -- integer descriptors and objects with fileno
    local g, h = pair()
    local obj = { fileno = function() return g:fileno() end }
    assert.is_not_nil(p:remove(e))
    assert.is_not_nil(p:add(obj, "r", 7))
    assert.is_not_nil(p:add(h:fileno(), "w"))
    seen = {}
    for o, ev, data in p:wait(1) do seen[#seen + 1] = { o, ev, data } end
    assert.are.same({ { h:fileno(), "w" } }, seen)
    for _, s in ipairs { a, b, c, d, e, g, h } do s:close() end
    assert.is_not_nil(p:close())
  end)

  it("poller: a timeout runs the loop zero times", function()
    local p = assert(lsock.poller())
    local a, b = pair()
    p:add(a, "r")
    local n = 0
    for _ in p:wait(0.05) do n = n + 1 end
    assert.are.equal(0, n)
    n = 0
    for _ in p:wait(0) do n = n + 1 end
    assert.are.equal(0, n)
    a:close() b:close()
    p:close()
  end)

  it("poller: add/modify/remove/close return true", function()
    local p = assert(lsock.poller())
    local a, b = pair()
    assert.are.equal(true, p:add(a, "r"))
    assert.are.equal(true, p:modify(a, "w"))
    assert.are.equal(true, p:remove(a))
    assert.are.equal(true, p:close())
    a:close() b:close()
  end)

  it("poller: p:wait failure returns nil, msg, errno", function()
    -- the epoll descriptor is closed underneath the poller: EBADF
    local function epfds()
      local t = {}
      local f = assert(io.open("/proc/self/stat"))
      local pid = f:read("n")
      f:close()
      local ls = assert(io.popen("ls -l /proc/" .. pid .. "/fd"))
      for line in ls:lines() do
        local fd = line:match(" (%d+) %-> anon_inode:%[eventpoll%]")
        if fd then t[tonumber(fd)] = true end
      end
      ls:close()
      return t
    end
    local before = epfds()
    local p = assert(lsock.poller())
    local a, b = pair()
    p:add(a, "r")
    local fd
    for k in pairs(epfds()) do if not before[k] then fd = k end end
    assert.is_number(fd)
    assert.is_true(lsock.close(fd))
    local r = table.pack(p:wait(0.1))
    assert.are.equal(3, r.n)
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EBADF, r[3])
    a:close() b:close()
  end)

  it("poller supports <close> and __gc", function()
    collectgarbage()
    collectgarbage()
    local before = nfds()
    do
      local p <close> = assert(lsock.poller())
      p:wait(0)
    end
    local q = assert(lsock.poller()) -- luacheck: ignore
    q = nil -- luacheck: ignore
    collectgarbage() collectgarbage()
    local after = nfds()
    assert.is_true(after <= before)
  end)

  it("fork and wait: exited, signaled, nohang", function()
    local pid = assert(lsock.fork())
    if pid == 0 then os.exit(7, true) end
    assert.are.equal("integer", math.type(pid))
    local got, how, code = lsock.wait(pid)
    assert.are.same({ pid, "exited", 7 }, { got, how, code })
    local pid2 = assert(lsock.fork())
    if pid2 == 0 then
      -- blocks until killed (bounded: 10 s)
      local s = lsock.socketpair and lsock.socketpair("unix", "stream")
      if s then s:settimeout(10) s:recv(1) end
      os.exit(0, true)
    end
    finally(function() os.execute("kill -9 " .. pid2 .. " 2>/dev/null") end)
    assert.are.equal(0, lsock.wait(pid2, "nohang"))
    os.execute("kill -9 " .. pid2)
    got, how, code = lsock.wait(pid2)
    assert.are.same({ pid2, "signaled", 9 }, { got, how, code })
    local pid3 = assert(lsock.fork())
    if pid3 == 0 then os.exit(3, true) end
    -- any child: only pid3 is left unreaped
    got, how, code = lsock.wait()
    assert.are.same({ pid3, "exited", 3 }, { got, how, code })
  end)

  it("lsock.close closes a raw descriptor", function()
    local a, b = pair()
    local fd = a:detach()
    assert.are.equal(true, lsock.close(fd))
    assert.is_false(isopen(fd))
    b:close()
  end)

  it("every constant of the families that python3's socket module knows", function()
    local py = [[import socket, re
for k in sorted(dir(socket)):
    v = getattr(socket, k)
    fams = "AF|SOCK|IPPROTO|SOL|SO|SCM|IP|IPV6|TCP|MSG|SHUT|AI|NI|EAI|INADDR"
    if re.match(r"^(" + fams + r")_[A-Z0-9_]+$", k) \
       and isinstance(v, int) and not re.search("J1939|CAN|VM_SOCKETS", k):
        print(k, int(v))
]]
    local name = os.tmpname()
    local f = assert(io.open(name, "w"))
    f:write(py)
    f:close()
    local p = assert(io.popen("env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS python3 "
      .. name))
    local bad, n = {}, 0
    for line in p:lines() do
      local k, v = line:match("^(%S+) (%-?%d+)$")
      n = n + 1
      if lsock[k] ~= math.tointeger(tonumber(v)) then
        bad[#bad + 1] = k .. "=" .. v .. " lsock " .. tostring(lsock[k])
      end
    end
    p:close()
    os.remove(name)
    assert.is_true(n > 100)
    assert.are.same({}, bad)
  end)

  it("constants of every family are integers on lsock", function()
    local want = {
      AF_INET = 2, AF_INET6 = 10, AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2,
      SOCK_RAW = 3, SOCK_SEQPACKET = 5, IPPROTO_TCP = 6, IPPROTO_UDP = 17,
      IPPROTO_IPV6 = 41, SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_KEEPALIVE = 9,
      SCM_RIGHTS = 1, IP_TTL = 2, IP_ADD_MEMBERSHIP = 35, IPV6_V6ONLY = 26,
      TCP_NODELAY = 1, MSG_PEEK = 2, MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000,
      SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2, AI_PASSIVE = 1, AI_CANONNAME = 2,
      NI_NUMERICHOST = 1, NI_NUMERICSERV = 2, EAI_NONAME = -2, INADDR_ANY = 0,
      INADDR_LOOPBACK = 0x7F000001,
    }
    for k, v in pairs(want) do
      assert.are.equal(v, lsock[k], k)
      assert.are.equal("integer", math.type(lsock[k]), k)
    end
  end)
end)

describe("API.md helper modules", function()
  it("tcp.connect and tcp.listen", function()
    local tcp = lsock.tcp
    local l = assert(tcp.listen())
    assert.are.equal("inet6", l:family())
    assert.are.equal(false, l:getsockopt("ipv6", "v6only"))
    local port = l:getsockname().port
    l:settimeout(2)
    local c = assert(tcp.connect("127.0.0.1", port, { timeout = 2 }))
    assert.are.equal("127.0.0.1", c:getpeername().host)
    local a = assert(l:accept())
    a:close() c:close()
    c = assert(tcp.connect("localhost", port, { timeout = 2 }))
    a = assert(l:accept())
    a:close() c:close()
    c = assert(tcp.connect("::1", port, { timeout = 2, family = "inet6" }))
    assert.are.equal("inet6", c:family())
    a = assert(l:accept())
    a:close() c:close()
    l:close()
    local l4 = assert(tcp.listen("127.0.0.1", 0))
    assert.are.equal("inet", l4:family())
    l4:settimeout(2)
    local p4 = l4:getsockname().port
    c = assert(tcp.connect("127.0.0.1", p4, { timeout = 2, localaddr = { "127.0.0.1", 0 } }))
    assert.are.equal("127.0.0.1", c:getsockname().host)
    c:close()
    assert(l4:accept()):close()
    c = assert(tcp.connect("127.0.0.1", p4, { localaddr = lsock.addr("127.0.0.1", 0) }))
    c:close()
    l4:close()
  end)

  it("udp.open with bind, connect, broadcast, family", function()
    local udpm = lsock.udp
    local s = assert(udpm.open { bind = { "127.0.0.1", 0 } })
    assert.are.equal("dgram", s:type())
    local c = assert(udpm.open { connect = { "127.0.0.1", s:getsockname().port } })
    assert.is_true(c:getpeername() == s:getsockname())
    local b = assert(udpm.open { broadcast = true })
    assert.are.equal(true, b:getsockopt("socket", "broadcast"))
    local s6 = assert(udpm.open { family = "inet6" })
    assert.are.equal("inet6", s6:family())
    local plain = assert(udpm.open())
    assert.are.equal("dgram", plain:type())
    for _, x in ipairs { s, c, b, s6, plain } do x:close() end
  end)

  it("unix.listen / unix.connect; stale path replaced; live or file refused", function()
    local unix = lsock.unix
    local path = tmpname("ux")
    local l, l2
    finally(function()
      if l then l:close() end
      if l2 then l2:close() end
      os.remove(path)
    end)
    l = assert(unix.listen(path))
    local c = assert(unix.connect(path))
    assert.are.equal("stream", c:type())
    c:close()
    local r = table.pack(unix.listen(path))
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EADDRINUSE, r[3])
    l:close() -- leaves a stale file
    l = assert(unix.listen(path))
    l:close()
    l = nil
    os.remove(path)
    local f = assert(io.open(path, "w"))
    f:close()
    r = table.pack(unix.listen(path))
    assert.is_nil(r[1])
    assert.are.equal(E.EADDRINUSE, r[3])
    assert.is_not_nil(io.open(path))
    os.remove(path)
    l2 = assert(unix.listen(path, { type = "dgram" }))
    assert.are.equal("dgram", l2:type())
    local dc = assert(unix.connect(path, { type = "dgram" }))
    assert.are.equal(1, dc:send("u"))
    l2:settimeout(2)
    assert.are.equal("u", l2:recv(10))
    dc:close()
  end)

  it("stream.wrap: read formats, lines, write returns stream, flush, setvbuf, readsome",
    function()
      local a, b = pair()
      local sa = lsock.stream.wrap(a)
      local sb = lsock.stream.wrap(b)
      assert.are.equal(sa, sa:write("42 line1\n", "line2\n"))
      assert.are.equal(sa, sa:write(3.5, "\nabcdefg"))
      assert.is_not_nil(sa:flush())
      assert.are.equal(42, sb:read("n"))
      assert.are.equal(" line1", sb:read("l"))
      assert.are.equal("line2\n", sb:read("L"))
      assert.are.equal(3.5, sb:read("n"))
      assert.are.equal("", sb:read("l"))
      assert.are.equal("ab", sb:read(2))
      local some = sb:readsome(10)
      assert.is_string(some)
      assert.is_true(#some >= 1)
      assert.is_not_nil(sa:setvbuf("no"))
      sa:write("x\ny\n")
      assert.is_not_nil(sa:close())
      local lines = {}
      for l in sb:lines() do lines[#lines + 1] = l end
      local rest = some:sub(#some + 1)
      assert.are.same({ ("cdefg"):sub(#some + 1) .. "x", "y" }, rest == "" and lines or lines)
      assert.are.equal("", sb:read("a"))
      sb:close()
    end)

  it("server.tcp: object with addr, run and close; close in handler ends run", function()
    local server = lsock.server
    local srv = assert(server.tcp {
      host = "127.0.0.1", port = 0,
      handler = function(c, peer)
        assert(issockaddr(peer))
        c:settimeout(2)
        local d = c:recv(10)
        c:send(d:upper())
        c:close()
      end,
    })
    assert.is_true(issockaddr(srv.addr))
    assert.is_true(srv.addr.port > 0)
    assert.is_function(srv.run)
    assert.is_function(srv.close)
    local c = assert(lsock.socket("inet", "stream"))
    c:settimeout(2)
    assert(c:connect(srv.addr))
    assert(c:send("hi"))
    local h = srv.handler
    srv.handler = function(...) h(...) srv:close() end
    srv.opts.handler = srv.handler
    srv:run()
    assert.are.equal("HI", c:recv(10))
    c:close()
    assert.is_true(srv:close())
  end)

  it("server.tcp: handler closing the server from inside (coroutine mode)", function()
    local srv
    srv = assert(lsock.server.tcp {
      host = "127.0.0.1", port = 0, mode = "coroutine",
      handler = function(c)
        c:send("bye")
        c:close()
        srv:close()
      end,
    })
    local c = assert(lsock.socket("inet", "stream"))
    c:settimeout(2)
    assert(c:connect(srv.addr))
    srv:run()
    assert.are.equal("bye", c:recv(10))
    c:close()
  end)

  it("server constructors return nil, msg, EADDRINUSE and check modes", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    local r = table.pack(lsock.server.tcp {
      host = "127.0.0.1", port = l:getsockname().port, handler = function() end,
    })
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EADDRINUSE, r[3])
    l:close()
    for _, m in ipairs { "iterative", "fork", "select", "coroutine" } do
      local s = assert(lsock.server.tcp { host = "127.0.0.1", mode = m, handler = print })
      s:close()
    end
    for _, m in ipairs { "iterative", "coroutine" } do
      local s = assert(lsock.server.udp { host = "127.0.0.1", mode = m, handler = print })
      s:close()
    end
    assert.has_error(function()
      lsock.server.udp { host = "127.0.0.1", mode = "fork", handler = print }
    end)
    assert.has_error(function()
      lsock.server.tcp { host = "127.0.0.1", mode = "threads", handler = print }
    end)
  end)

  it("server.udp: handler gets data and sender, returns the reply", function()
    local srv
    srv = assert(lsock.server.udp {
      host = "127.0.0.1", port = 0,
      handler = function(data, from)
        assert(issockaddr(from))
        if data == "stop" then srv:close() return nil end
        return data:upper()
      end,
    })
    assert.is_true(issockaddr(srv.addr))
    local c = udp()
    assert(c:sendto("ping", srv.addr))
    assert(c:sendto("stop", srv.addr))
    srv:run()
    assert.are.equal("PING", c:recv(10))
    c:close()
  end)

  it("helper failures return nil, msg, errno", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    local port = l:getsockname().port
    l:close()
    local r = table.pack(lsock.tcp.connect("127.0.0.1", port, { timeout = 2 }))
    assert.are.equal(3, r.n)
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.ECONNREFUSED, r[3])
    r = table.pack(lsock.unix.connect(tmpname("none")))
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.ENOENT, r[3])
    local u = assert(lsock.udp.open { bind = { "127.0.0.1", 0 } })
    r = table.pack(lsock.udp.open { bind = { "127.0.0.1", u:getsockname().port } })
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EADDRINUSE, r[3])
    u:close()
  end)

  it("stream read at end of stream returns nil, as io does", function()
    local a, b = pair()
    local sb = lsock.stream.wrap(b)
    a:send("last")
    a:close()
    assert.are.equal("last", sb:read("l"))
    assert.is_nil(sb:read("l"))
    assert.is_nil(sb:read(1))
    assert.are.equal("", sb:read("a"))
    sb:close()
  end)

  it("server.tcp on a unix path: addr is the path; close removes it", function()
    local path = tmpname("srv")
    finally(function() os.remove(path) end)
    local srv
    srv = assert(lsock.server.tcp {
      path = path, mode = "select",
      -- select mode calls the handler when the connection is readable
      handler = function(c, peer)
        assert(issockaddr(peer))
        assert(c:recv(10) == "hi")
        c:send("u!")
        c:close()
        srv:close()
      end,
    })
    assert.are.equal("unix", srv.addr.family)
    assert.are.equal(path, srv.addr.path)
    local c = assert(lsock.socket("unix", "stream"))
    c:settimeout(2)
    assert(c:connect(path))
    assert(c:send("hi"))
    assert.are.equal(true, srv:run())
    assert.are.equal("u!", c:recv(10))
    c:close()
    assert.is_nil(io.open(path))
  end)

  it("server.tcp fork mode: a stop function makes run() return", function()
    local n = 0
    local srv = assert(lsock.server.tcp {
      host = "127.0.0.1", port = 0, mode = "fork", interval = 0.05,
      stop = function() n = n + 1 return n >= 10 end,
      handler = function(c) c:send("forked") c:close() end,
    })
    local c = assert(lsock.socket("inet", "stream"))
    c:settimeout(2)
    assert(c:connect(srv.addr))
    srv:run()
    assert.are.equal("forked", c:recv(10))
    c:close()
    srv:close()
  end)

  it("loop.wrap results have the same shape as the plain calls", function()
    local loop = lsock.loop
    local function shapes(a, b, x, y)
      local t = {}
      t.send = table.pack(a:send("abc"))
      t.sendall = table.pack(a:sendall("def"))
      t.recv = table.pack(b:recv(6, "waitall"))
      t.sendto = table.pack(x:sendto("q", y.sock and y.sock:getsockname() or y:getsockname()))
      local rf = table.pack(y:recvfrom(10))
      t.recvfrom = { n = rf.n, rf[1], rf[2] and tostring(rf[2]) }
      return t
    end
    local a, b = pair()
    local x, y = udp(), udp()
    local plain = shapes(a, b, x, y)
    local wrapped
    loop.spawn(function()
      wrapped = shapes(loop.wrap(a), loop.wrap(b), loop.wrap(x), loop.wrap(y))
    end)
    loop.run()
    local bad = {}
    for _, k in ipairs { "send", "sendall", "recv", "sendto", "recvfrom" } do
      if wrapped[k].n ~= plain[k].n then
        bad[#bad + 1] = string.format("%s: %d values, plain %d", k, wrapped[k].n, plain[k].n)
      end
    end
    -- end of stream
    a:close()
    local eof = table.pack(b:recv(10))
    local weof
    loop.spawn(function() weof = table.pack(loop.wrap(y):recv(10)) end)
    local z = udp()
    z:sendto("", y:getsockname())
    loop.run()
    if weof.n ~= 1 or eof.n ~= 1 then
      bad[#bad + 1] = string.format("recv at EOF/empty: %d values, plain %d", weof.n, eof.n)
    end
    assert.are.same({}, bad)
    assert.are.same(plain, wrapped)
    b:close() x:close() y:close() z:close()
  end)

  it("helper functions raise argerror-style errors on wrong argument types", function()
    -- each: public name, function, arguments, the bad argument's number
    local cases = {
      { "connect", lsock.tcp.connect, { {}, 1 }, 1 },
      { "connect", lsock.tcp.connect, { "127.0.0.1", {} }, 2 },
      { "listen", lsock.tcp.listen, { {} }, 1 },
      { "listen", lsock.tcp.listen, { "127.0.0.1", 0, 5 }, 3 },
      { "open", lsock.udp.open, { 5 }, 1 },
      { "listen", lsock.unix.listen, { 5 }, 1 },
      { "connect", lsock.unix.connect, { {} }, 1 },
      { "wrap", lsock.stream.wrap, { 5 }, 1 },
      { "tcp", lsock.server.tcp, { 5 }, 1 },
      { "udp", lsock.server.udp, { 5 }, 1 },
      { "join", lsock.multicast.join, { 5, "239.1.1.1" }, 1 },
      { "leave", lsock.multicast.leave, { {}, "239.1.1.1" }, 1 },
      { "receiver", lsock.multicast.receiver, { 5, 1 }, 1 },
      { "sender", lsock.multicast.sender, { {}, 1 }, 1 },
      { "spawn", lsock.loop.spawn, { 5 }, 1 },
      { "sleep", lsock.loop.sleep, { "x" }, 1 },
      { "wrap", lsock.loop.wrap, { 5 }, 1 },
      { "run", lsock.loop.run, { 5 }, 1 },
    }
    local bad = {}
    for _, c in ipairs(cases) do
      local ok, msg = pcall(c[2], table.unpack(c[3]))
      local want = "bad argument #" .. c[4] .. " to '[%w.:]*" .. c[1] .. "'"
      if ok or not tostring(msg):match(want) then
        bad[#bad + 1] = c[1] .. ": " .. (ok and "no error" or tostring(msg))
      end
    end
    -- drain a task that a lenient spawn may have queued
    local onerror = lsock.loop.onerror
    lsock.loop.onerror = function() end
    pcall(lsock.loop.run)
    lsock.loop.onerror = onerror
    assert.are.same({}, bad)
  end)

  it("multicast: join/leave return nil, msg, errno on refusal; sender", function()
    local mc = lsock.multicast
    local s = assert(lsock.socket("inet", "dgram"))
    assert(s:bind("127.0.0.1", 0))
    -- not a multicast group: refused by the kernel, nothing sent
    local r = table.pack(mc.join(s, "127.0.0.1"))
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal("integer", math.type(r[3]))
    -- never joined
    r = table.pack(mc.leave(s, "239.1.2.3"))
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.are.equal(E.EADDRNOTAVAIL, r[3])
    s:close()
    local s6 = assert(lsock.socket("inet6", "dgram"))
    r = table.pack(mc.leave(s6, "ff15::77", lsock.if_nametoindex("lo")))
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.is_number(r[3])
    s6:close()
    r = table.pack(mc.receiver("127.0.0.1", 0))
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.is_number(r[3])
    -- sender: connect only, no datagram is sent here
    local snd = assert(mc.sender("239.1.2.3", 5000, { ttl = 0, loop = true,
      interface = lsock.if_nametoindex("lo") }))
    assert.are.equal("239.1.2.3:5000", tostring(snd:getpeername()))
    assert.are.equal(0, snd:getsockopt("ip", "multicast_ttl"))
    assert.are.equal(true, snd:getsockopt("ip", "multicast_loop"))
    snd:close()
    -- IPv6: lo has no multicast route here, so either a connected socket
    -- or the documented failure shape (nil, msg, ENETUNREACH)
    r = table.pack(mc.sender("ff15::77", 5000, { ttl = 0, interface = "lo" }))
    if r[1] then
      assert.are.equal("inet6", r[1]:family())
      assert.are.equal("ff15::77", r[1]:getpeername().host)
      r[1]:close()
    else
      assert.are.equal(3, r.n)
      assert.is_string(r[2])
      assert.are.equal(E.ENETUNREACH, r[3])
    end
  end)

  it("loop.spawn/run/sleep/wrap", function()
    local loop = lsock.loop
    local a, b = pair()
    local wa, wb = loop.wrap(a), loop.wrap(b)
    local log = {}
    loop.spawn(function(tag)
      log[#log + 1] = tag .. " start"
      local d = wb:recv(10)
      log[#log + 1] = "got " .. d
    end, "reader")
    loop.spawn(function()
      assert(loop.sleep(0.05))
      log[#log + 1] = "slept"
      log[#log + 1] = "sent " .. wa:send("ping")
    end)
    loop.run()
    assert.are.same({ "reader start", "slept", "sent 4", "got ping" }, log)
    -- same results as the plain calls: timeout shape
    wb:settimeout(0.05)
    local r
    loop.spawn(function() r = table.pack(wb:recv(10)) end)
    loop.run()
    assert.are.same({ n = 3, nil, "timeout", E.ETIMEDOUT }, r)
    wa:close()
    local x, y = pair()
    x:close()
    local plain = table.pack(y:recv(10))
    y:close()
    assert.are.same({ n = 1, "" }, plain)
    loop.spawn(function() r = table.pack(wb:recv(10)) end)
    loop.run()
    -- the count of values is checked in the "same shape" test below
    assert.are.equal(plain[1], r[1])
    wb:close()
  end)
end)
