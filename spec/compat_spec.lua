-- lsock.compat against LuaSocket itself: every scenario runs once on
-- Debian's LuaSocket core and once on compat, and the two must give the
-- same results (numbers compare by value: LuaSocket's 1.0 is compat's 1).
local helper = require "helper"
local luasocket = require "socket.core"
local compat = require "lsock.compat"


-- A connected pair through a listening server on 127.0.0.1.
local function pair(s)
  local srv = assert(s.tcp())
  assert(srv:bind("127.0.0.1", 0))
  assert(srv:listen())
  local _, port = srv:getsockname()
  local c = assert(s.tcp())
  assert(c:connect("127.0.0.1", port))
  local a = assert(srv:accept())
  return srv, c, a, port
end

local function kind(o) return (tostring(o):match("^[^:]*")) end

-- A listening server on 127.0.0.1 that accepts for at most 2 s, and its
-- port as an integer.
local function listener(s)
  local srv = assert(s.tcp())
  assert(srv:bind("127.0.0.1", 0)); assert(srv:listen())
  srv:settimeout(2)
  local _, port = srv:getsockname()
  return srv, math.tointeger(tonumber(port))
end

local scenarios = {}

scenarios["states, classes and tostring"] = function(s)
  local out = {}
  local m = s.tcp()
  out[#out + 1] = { m:getfd(), m.class, kind(m) }
  m:bind("127.0.0.1", 0)
  out[#out + 1] = { m:getfd() >= 0, m.class }
  m:listen()
  out[#out + 1] = { m.class, kind(m), select(2, pcall(m.send, m, "x")) ~= nil }
  local _, port = m:getsockname()
  local c = s.tcp()
  out[#out + 1] = { c:connect("127.0.0.1", port), c.class, kind(c) }
  local a = m:accept()
  out[#out + 1] = { a.class, (a:getpeername()), c:getfamily() }
  local ip, sport, fam = m:getsockname()
  out[#out + 1] = { ip, type(sport), fam, type(select(2, c:getpeername())) }
  local u = s.udp()
  out[#out + 1] = { u:getfd(), kind(u), u:setsockname("127.0.0.1", 0), kind(u) }
  out[#out + 1] = { u:setpeername("127.0.0.1", port), kind(u) }
  out[#out + 1] = { u:setpeername("*"), kind(u) }
  for _, o in ipairs { m, c, a, u } do o:close() end
  out[#out + 1] = { c:getfd() }
  return out
end

scenarios["receive patterns, prefix and partial results"] = function(s)
  local srv, c, a = pair(s)
  a:settimeout(0.2)
  local out = {}
  c:send("ab\r\nc\rd\r\r\nbin\0ary\n12345678rest")
  out[#out + 1] = { a:receive() }
  out[#out + 1] = { a:receive("*l") }
  out[#out + 1] = { a:receive("*l", "pre-") }
  out[#out + 1] = { a:receive(3) }
  out[#out + 1] = { a:receive(5, "xy") }
  out[#out + 1] = { a:receive() }          -- timeout: partial "rest"
  out[#out + 1] = { a:receive(10) }        -- nothing left
  c:send("tail")
  c:close()
  out[#out + 1] = { a:receive("*a") }      -- success at close
  out[#out + 1] = { a:receive() }          -- closed, ""
  a:close()
  out[#out + 1] = { a:receive() }          -- local close: nil, "closed"
  srv:close()
  return out
end

-- A python3 peer sends one 3 MB line with \r in it, then a binary line.
local BIGLINE = [[
import socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print("127.0.0.1:%d" % l.getsockname()[1], flush=True)
c, _ = l.accept()
c.sendall(b"x" * (3 << 20) + b"\r\n" + bytes(range(256)).replace(b"\n", b"") + b"\n")
c.close()
]]

scenarios["a line of megabytes and a binary line"] = function(s)
  local peer = helper.python(BIGLINE)
  local _, port = peer:address()
  local c = s.tcp()
  c:settimeout(10)
  assert(c:connect("127.0.0.1", port))
  local big = c:receive()
  local bin = c:receive()
  local out = { #big, big == ("x"):rep(3 << 20), #bin, bin:byte(1), bin:byte(-1) }
  out[#out + 1] = { c:receive() }
  c:close()
  peer:cleanup()
  return out
end

scenarios["send indices"] = function(s)
  local srv, c, a = pair(s)
  local out = {}
  out[#out + 1] = { c:send("0123456789", 3, 6) }
  out[#out + 1] = { c:send("0123456789", -3) }
  out[#out + 1] = { c:send("") }
  a:settimeout(1)
  out[#out + 1] = { a:receive(7) }
  c:close()
  out[#out + 1] = { c:send("abc") }
  a:close(); srv:close()
  return out
end

scenarios["error strings"] = function(s)
  local srv = s.tcp()
  srv:bind("127.0.0.1", 0); srv:listen()
  local _, port = srv:getsockname()
  local out = {}
  out[#out + 1] = { s.tcp():bind("127.0.0.1", port) }
  srv:close()
  out[#out + 1] = { s.tcp():connect("127.0.0.1", port) }
  out[#out + 1] = { s.connect("127.0.0.1", port) }
  return out
end

-- connect's C path (a numeric host, a master with no descriptor) and the
-- cases it hands to the Lua one: names, a family that does not match,
-- ports that are not integers, a bound master; refusals and the states
-- they leave (a client, its descriptor kept, that can connect again);
-- settimeout's arguments; close twice.
scenarios["connect by address, by name and refused; settimeout; close"] = function(s)
  local out = {}
  local srv, port = listener(s)
  local shut = assert(s.tcp())
  assert(shut:bind("127.0.0.1", 0))
  local _, dead = shut:getsockname()
  dead = math.tointeger(tonumber(dead))
  shut:close()
  for _, host in ipairs { "127.0.0.1", "localhost", "127.1" } do
    local c = s.tcp()
    out[#out + 1] = { host, c:connect(host, port), c.class, kind(c), c:getfamily() }
    local a = srv:accept()
    local sent, line = c:send("hi\n"), a:receive()
    local rx, tx = c:getstats()
    out[#out + 1] = { sent, line, rx, tx }
    c:close(); a:close()
  end
  for _, args in ipairs { { "127.0.0.1", dead }, { "localhost", dead } } do
    local c = s.tcp()
    out[#out + 1] = { c:connect(args[1], args[2]) }
    out[#out + 1] = { c.class, c:getfd() >= 0, kind(c) }
    out[#out + 1] = { c:connect("127.0.0.1", port), c.class }
    local a = srv:accept()
    if a then a:close() end
    c:close()
  end
  local c4 = s.tcp4()
  out[#out + 1] = { c4:connect("::1", port), c4.class }
  c4:close()
  local cf = s.tcp()
  out[#out + 1] = { cf:connect("127.0.0.1", port + 0.0), cf.class }
  local af = srv:accept(); if af then af:close() end; cf:close()
  local cs = s.tcp()
  out[#out + 1] = { cs:connect("127.0.0.1", tostring(port)), cs.class }
  local as = srv:accept(); if as then as:close() end; cs:close()
  local cb = s.tcp()
  out[#out + 1] = { cb:bind("127.0.0.1", 0), cb:connect("127.0.0.1", port), cb.class }
  local ab = srv:accept(); if ab then ab:close() end; cb:close()
  local ct = s.tcp()
  out[#out + 1] = { ct:settimeout(2), ct:settimeout(1, "t"), ct:gettimeout() }
  out[#out + 1] = { ct:settimeout("0.5"), ct:gettimeout() }
  out[#out + 1] = { ct:settimeout(nil), ct:settimeout(3, "b"), ct:gettimeout() }
  out[#out + 1] = { ct:connect("127.0.0.1", port), ct.class }
  local a = srv:accept()
  a:send("two\nlines\n")
  out[#out + 1] = { ct:receive(), ct:dirty() }
  out[#out + 1] = { ct:close(), ct:getfd(), ct:close(), kind(ct) }
  a:close(); srv:close()
  return out
end

-- copas' connect: settimeout(0), connect says "timeout", wait until the
-- socket is writable, connect again; by address and by name.
scenarios["a non-blocking connect, waited for and made again (copas)"] = function(s)
  local out = {}
  local srv, port = listener(s)
  for _, host in ipairs { "127.0.0.1", "localhost" } do
    local c = s.tcp()
    c:settimeout(0)
    local ok, err = c:connect(host, port)
    out[#out + 1] = { ok == 1 or err == "timeout", c.class }
    local _, w = s.select(nil, { c }, 2)
    out[#out + 1] = { #w, w[1] == c }
    out[#out + 1] = { c:connect(host, port) }
    local a = srv:accept()
    out[#out + 1] = { c:send("x"), a and a:receive(1) }
    c:close()
    if a then a:close() end
  end
  srv:close()
  return out
end

scenarios["select: arrays, keys, timeout, dirty and closed entries"] = function(s)
  local srv, c, a = pair(s)
  local out = {}
  local r, w, e = s.select({ a }, nil, 0.05)
  out[#out + 1] = { #r, #w, e }
  r, w, e = s.select({ a }, { c }, 1)
  out[#out + 1] = { #r, #w, w[1] == c, w[c], e }
  c:send("one\ntwo\n")
  r = s.select({ srv, a }, nil, 1)
  out[#out + 1] = { #r, r[1] == a, r[a] }
  a:settimeout(1)
  out[#out + 1] = { a:receive(), a:dirty() }
  -- The second line is buffered: select must still say readable.
  local _; r, _, e = s.select({ a }, nil, 1)
  out[#out + 1] = { #r, r[a], e }
  out[#out + 1] = { a:receive(), a:dirty() }
  local dead = s.tcp(); dead:close()
  r, _, e = s.select({ dead, a }, nil, 0.05)
  out[#out + 1] = { #r, e }
  c:close(); a:close(); srv:close()
  return out
end

scenarios["options by LuaSocket name"] = function(s)
  local srv, c, a = pair(s)
  local out = {}
  for _, name in ipairs { "tcp-nodelay", "keepalive", "reuseaddr" } do
    out[#out + 1] = { name, c:setoption(name, true), c:getoption(name) }
    out[#out + 1] = { name, c:setoption(name, false), c:getoption(name) }
  end
  out[#out + 1] = { c:setoption("linger", { on = true, timeout = 3 }) }
  local l = c:getoption("linger")
  out[#out + 1] = { l.on, l.timeout }
  out[#out + 1] = { c:setoption("recv-buffer-size", 65536),
    c:getoption("recv-buffer-size") >= 65536 }
  out[#out + 1] = { c:setoption("send-buffer-size", 65536) }
  out[#out + 1] = { c:getoption("error") }
  out[#out + 1] = { c:setoption("tcp-keepidle", 30), c:getoption("tcp-keepidle") }
  out[#out + 1] = { c:setoption("tcp-keepcnt", 4), c:getoption("tcp-keepcnt") }
  out[#out + 1] = { c:setoption("tcp-keepintvl", 7), c:getoption("tcp-keepintvl") }
  -- broadcast is only set and read back on a loopback socket: nothing is
  -- sent, so no network namespace is needed (broadcast traffic runs in a
  -- netns: multicast_spec.lua).
  local u = s.udp(); u:setsockname("127.0.0.1", 0)
  out[#out + 1] = { u:setoption("broadcast", true), u:getoption("broadcast") }
  out[#out + 1] = { u:setoption("dontroute", true), u:getoption("dontroute") }
  local m = s.tcp(); out[#out + 1] = { m:setoption("reuseaddr", true) }
  for _, o in ipairs { srv, c, a, u } do o:close() end
  return out
end

scenarios["udp datagrams"] = function(s)
  local u1, u2 = s.udp(), s.udp()
  u1:setsockname("127.0.0.1", 0)
  local ip, port = u1:getsockname()
  u1:settimeout(1); u2:settimeout(1)
  local out = {}
  out[#out + 1] = { u2:sendto("ping", ip, port) }
  local data, fip, fport = u1:receivefrom()
  out[#out + 1] = { data, fip, type(fport) }
  u1:setpeername(fip, fport)
  out[#out + 1] = { u1:send("pong") }
  out[#out + 1] = { u2:receive() }
  out[#out + 1] = { u2:receive(2) == nil }
  u1:settimeout(0.05)
  out[#out + 1] = { u1:receive() }
  out[#out + 1] = { u1:getpeername() == "127.0.0.1" }
  u1:close(); u2:close()
  return out
end

scenarios["timeouts: block and total"] = function(s)
  local srv, c, a = pair(s)
  local out = {}
  a:settimeout(5)
  a:settimeout(0.2, "t")
  local t0 = helper.now()
  out[#out + 1] = { a:receive() }
  local dt = helper.now() - t0
  out[#out + 1] = { dt >= 0.1 and dt < 3 }
  out[#out + 1] = { a:gettimeout() }
  a:settimeout(0); a:settimeout(nil, "t")
  out[#out + 1] = { a:receive(1) }
  c:close(); a:close(); srv:close()
  return out
end

scenarios["getstats counts bytes exactly"] = function(s)
  local srv, c, a = pair(s)
  c:send(("z"):rep(1000) .. "\n"); a:settimeout(1)
  a:receive(10); a:receive()
  local rx, tx = a:getstats()
  local crx, ctx = c:getstats()
  local out = { { rx, tx, crx, ctx } }
  out[#out + 1] = { a:setstats(5, 6, 0) }
  rx, tx = a:getstats()
  out[#out + 1] = { rx, tx }
  c:close(); a:close(); srv:close()
  return out
end

scenarios["newtry and protect"] = function(s)
  local out = {}
  local finalized = 0
  local try = s.newtry(function() finalized = finalized + 1 end)
  local f = s.protect(function(x)
    local a, b = try(x, "failed")
    return a, b
  end)
  out[#out + 1] = { f(7) }
  out[#out + 1] = { f(nil) }
  out[#out + 1] = { finalized }
  local g = s.protect(function() error("plain error", 0) end)
  out[#out + 1] = { pcall(g) }
  out[#out + 1] = { s.skip(2, "a", "b", "c") }
  return out
end

scenarios["unix-domain streams (socket.unix)"] = function(s)
  local unix = s == luasocket and require("socket.unix") or compat.unix
  local path, clean = helper.tmppath(".sock")
  local out = {}
  local srv = unix()
  out[#out + 1] = { srv:bind(path), srv:listen(), kind(srv) }
  local c = unix()
  out[#out + 1] = { c:connect(path), kind(c) }
  local a = srv:accept()
  out[#out + 1] = { kind(a) }
  c:send("hi\r\nthere\n"); a:settimeout(1)
  out[#out + 1] = { a:receive() }
  out[#out + 1] = { a:receive() }
  c:close()
  out[#out + 1] = { a:receive() }
  a:close(); srv:close(); clean()
  return out
end

scenarios["dns"] = function(s)
  local out = {}
  local ip, res = s.dns.toip("localhost")
  out[#out + 1] = { ip, type(res), type(res.ip) }
  out[#out + 1] = { s.dns.gethostname() == (io.open("/proc/sys/kernel/hostname"):read("l")) }
  local ai = s.dns.getaddrinfo("127.0.0.1")
  out[#out + 1] = { ai[1].family, ai[1].addr }
  out[#out + 1] = { s.dns.toip("no-such-host.invalid") == nil }
  return out
end


-- The checks of LuaSocket's own test suite (test/testclnt.lua), with an
-- in-process peer where it used a second process over a control channel.

scenarios["methods registered on every class (testclnt: method registration)"] = function(s)
  local tcpm = { "accept", "bind", "close", "connect", "dirty", "getfamily",
    "getfd", "getoption", "getpeername", "getsockname", "getstats",
    "setstats", "listen", "receive", "send", "setfd", "setoption",
    "setpeername", "setsockname", "settimeout", "shutdown" }
  local udpm = { "close", "dirty", "getfamily", "getfd", "getoption",
    "getpeername", "getsockname", "receive", "receivefrom", "send", "sendto",
    "setfd", "setoption", "setpeername", "setsockname", "settimeout" }
  local out = {}
  for _, pair_ in ipairs { { s.tcp(), tcpm }, { s.tcp6(), tcpm },
                           { s.udp(), udpm }, { s.udp6(), udpm } } do
    local o, names = pair_[1], pair_[2]
    local row = { o.class }
    for _, m in ipairs(names) do
      if type(o[m]) ~= "function" then row[#row + 1] = m end
    end
    out[#out + 1] = row
    o:close()
  end
  return out
end

scenarios["descriptors at once for tcp4 and the like, -1 after close (testclnt)"] = function(s)
  local out = {}
  for _, f in ipairs { "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6" } do
    local o = s[f]()
    local before = o:getfd() >= 0
    o:close()
    out[#out + 1] = { f, before, o:getfd() }
  end
  return out
end

scenarios["receive with a prefix at and past the count (testclnt: partial receive)"] = function(s)
  local srv, c, a = pair(s)
  c:send("7890")
  a:settimeout(1)
  local out = {}
  out[#out + 1] = { a:receive(10, "123456") }
  out[#out + 1] = { a:receive(8, "87654321") }
  out[#out + 1] = { a:receive(4, "87654321") }
  c:close(); a:close(); srv:close()
  return out
end

scenarios["select's argument checks and closed sockets (testclnt: select function)"] = function(s)
  local out = {}
  local r, w, e = s.select(nil, nil, 0.05)
  out[#out + 1] = { type(r), type(w), #r, #w, e }
  local u = s.udp(); u:close()
  r, w, e = s.select({ u }, { u }, 0.05)
  out[#out + 1] = { type(r), type(w), #r, #w, e }
  out[#out + 1] = { (pcall(s.select, "wrong", 1, 0.1)) }
  out[#out + 1] = { (pcall(s.select, {}, 1, 0.1)) }
  return out
end

scenarios["*a after the peer's close, receive after a local close (testclnt)"] = function(s)
  local out = {}
  local srv, c, a = pair(s)
  a:settimeout(1)
  c:send("little string"); c:close()
  out[#out + 1] = { a:receive("*a") }
  out[#out + 1] = { a:receive("*a") }
  out[#out + 1] = { a:receive("*a", "pre") }
  a:close()
  for _, pat in ipairs { "*a", "*l", 1, 0 } do
    out[#out + 1] = { pat, a:receive(pat) }
  end
  srv:close()
  return out
end

scenarios["send into a closed peer ends in closed (testclnt: write after close)"] = function(s)
  local srv, c, a = pair(s)
  a:close()
  c:settimeout(1)
  local sent, err, errsent
  for _ = 1, 1000 do
    sent, err, errsent = c:send("little string")
    if err then break end
    s.sleep(0.001)
  end
  c:close(); srv:close()
  return { sent, err, type(errsent) }
end

scenarios["accept: timeout, not listening, not a stream (testclnt: accept function)"] = function(s)
  local out = {}
  local m = s.tcp()
  m:bind("127.0.0.1", 0); m:listen(0); m:settimeout(0.1)
  out[#out + 1] = { m:accept() }
  local x = s.tcp4()
  m:setfd(x:getfd())
  out[#out + 1] = { m:accept() }
  local u = s.udp4()
  m:setfd(u:getfd())
  out[#out + 1] = { m:accept() }
  m:setfd(-1)
  x:close(); u:close()
  return out
end

scenarios["mixed patterns over one stream (testclnt: mixed patterns)"] = function(s)
  local out = {}
  for _, len in ipairs { 1, 17, 200, 4091, 80199 } do
    local srv, c, a = pair(s)
    local inter = math.ceil(len / 4)
    local p1 = "unix " .. ("x"):rep(inter) .. "line\n"
    local p2 = "dos " .. ("y"):rep(inter) .. "line\r\n"
    local p3 = "raw " .. ("z"):rep(inter) .. "bytes"
    local p4 = "end" .. ("w"):rep(inter) .. "bytes"
    c:settimeout(5); a:settimeout(5)
    out[#out + 1] = { c:send(p1 .. p2 .. p3 .. p4) }
    c:close()
    local b1, b2 = a:receive(), a:receive()
    local b3, b4 = a:receive(#p3), a:receive("*a")
    out[#out + 1] = { b1 .. "\n" == p1, b2 .. "\r\n" == p2, b3 == p3, b4 == p4 }
    a:close(); srv:close()
  end
  return out
end

scenarios["non-blocking transfer, partial results as prefixes (testclnt)"] = function(s)
  local out = {}
  for _, size in ipairs { 1, 17, 4091, 80199 } do
    local srv, c, a = pair(s)
    c:settimeout(5)
    a:settimeout(0)
    c:send(("a"):rep(size))
    local str, err, part, timeouts = nil, nil, "", 0
    for i = 1, 2000 do
      str, err, part = a:receive("*l", part)
      if err ~= "timeout" then break end
      timeouts = timeouts + 1
      if i == 3 then c:send(("b"):rep(size) .. "\n") end
      if i > 3 then s.sleep(0.002) end
    end
    out[#out + 1] = { str == ("a"):rep(size) .. ("b"):rep(size), err, timeouts >= 3 }
    -- And sending with settimeout(0), resuming at the index returned.
    c:settimeout(0)
    local big = ("c"):rep(size * 8) .. "\n"
    local last, ret = 0, nil
    a:settimeout(5)
    local got = {}
    for _ = 1, 20000 do
      ret, err, last = c:send(big, last + 1)
      if err ~= "timeout" then break end
      got[#got + 1] = a:receive(math.min(65536, #big))
    end
    out[#out + 1] = { ret, err }
    c:close()
    got[#got + 1] = a:receive("*a")
    out[#out + 1] = { table.concat(got) == big }
    a:close(); srv:close()
  end
  return out
end


scenarios["udp setpeername(\"*\") disconnects"] = function(s)
  -- An explicit port (the kernel keeps it through the disconnect).
  local probe = s.udp(); probe:setsockname("127.0.0.1", 0)
  local _, p = probe:getsockname(); probe:close()
  local u1, u2, u3 = s.udp(), s.udp(), s.udp()
  local out = { { u1:setsockname("127.0.0.1", p) } }
  u2:setsockname("127.0.0.1", 0); u3:setsockname("127.0.0.1", 0)
  for _, u in ipairs { u1, u2, u3 } do u:settimeout(1) end
  local ip2, p2 = u2:getsockname()
  out[#out + 1] = { u1:setpeername(ip2, p2), kind(u1) }
  u3:sendto("from u3, filtered", "127.0.0.1", p)  -- not the peer: dropped
  u2:sendto("from u2", "127.0.0.1", p)
  out[#out + 1] = { u1:receive() }
  out[#out + 1] = { u1:setpeername("*"), kind(u1), (pcall(u1.getpeername, u1)) }
  out[#out + 1] = { select(2, u1:getsockname()) == p }
  u3:sendto("from u3", "127.0.0.1", p)
  local data, ip, port = u1:receivefrom()
  local _, p3 = u3:getsockname()
  out[#out + 1] = { data, ip, port == math.tointeger(tonumber(p3)) }
  out[#out + 1] = { u1:sendto("back", ip, port), u3:receive() }
  for _, u in ipairs { u1, u2, u3 } do u:close() end
  return out
end

-- Set and read back on loopback sockets only: setting a multicast option
-- sends nothing (no group is joined), so no network namespace is needed;
-- joining and multicast traffic run in one (spec/compat_mcast_spec.lua).
-- These are the names Debian's LuaSocket 3.0.0 knows both ways.
scenarios["ip-*/ipv6-* multicast option names, set and read back"] = function(s)
  local out = {}
  local u = s.udp4(); u:setsockname("127.0.0.1", 0)
  out[#out + 1] = { u:setoption("ip-multicast-ttl", 4) }
  for _, v in ipairs { false, true } do
    out[#out + 1] = { u:setoption("ip-multicast-loop", v), u:getoption("ip-multicast-loop") }
  end
  out[#out + 1] = { u:setoption("ip-multicast-if", "127.0.0.1"), u:getoption("ip-multicast-if") }
  local v = s.udp6(); v:setsockname("::1", 0)
  for _, name in ipairs { "ipv6-unicast-hops", "ipv6-multicast-hops" } do
    out[#out + 1] = { name, v:setoption(name, 7), v:getoption(name) }
  end
  for _, b in ipairs { false, true } do
    out[#out + 1] = { v:setoption("ipv6-multicast-loop", b), v:getoption("ipv6-multicast-loop") }
  end
  out[#out + 1] = { v:setoption("ipv6-v6only", true), v:getoption("ipv6-v6only") }
  u:close(); v:close()
  return out
end


-- compat caches an epoll poller for tables passed again unchanged (64
-- entries or more, from the third call): the results must stay
-- LuaSocket's while the tables change under it.
scenarios["select over tables that stay and change (compat's cached poller)"] = function(s)
  local out = {}
  local socks = {}
  for i = 1, 100 do
    local u = s.udp(); u:setsockname("127.0.0.1", 0); u:settimeout(1); socks[i] = u
  end
  local tx = s.udp()
  local function poke(u, what)
    local ip, port = u:getsockname()
    tx:sendto(what, ip, port)
  end
  local function sel(r, w, t)
    local rr, ww, e = s.select(r, w, t)
    local ri = {}
    for k, o in ipairs(rr) do ri[#ri + 1] = { k, rr[o] == k, (o:getsockname()) ~= nil } end
    return { #rr, #ww, e, ri }
  end
  for _ = 1, 4 do out[#out + 1] = sel(socks, nil, 0.01) end  -- timeouts
  poke(socks[50], "a")
  out[#out + 1] = sel(socks, nil, 1)
  out[#out + 1] = { socks[50]:receive() }
  out[#out + 1] = sel(socks, nil, 0.01)
  -- An entry replaced in place: the new socket is watched, the old not.
  local old = socks[60]
  local new = s.udp(); new:setsockname("127.0.0.1", 0); new:settimeout(1)
  socks[60] = new
  poke(old, "old"); poke(new, "new")
  for _ = 1, 3 do out[#out + 1] = sel(socks, nil, 1) end
  out[#out + 1] = { new:receive(), old:receive() }
  -- An entry closed in place, and a table that grows.
  socks[70]:close()
  for _ = 1, 3 do out[#out + 1] = sel(socks, nil, 0.01) end
  local extra = s.udp(); extra:setsockname("127.0.0.1", 0); extra:settimeout(1)
  socks[#socks + 1] = extra
  poke(extra, "x")
  for _ = 1, 3 do out[#out + 1] = sel(socks, nil, 1) end
  out[#out + 1] = { extra:receive() }
  -- Writers too, and one object in both tables.
  local w = { socks[1], socks[2] }
  for _ = 1, 4 do out[#out + 1] = sel(socks, w, 1) end
  for _, u in ipairs(socks) do u:close() end
  old:close(); tx:close()
  return out
end

scenarios["select: a buffered line in a cached set is ready at once"] = function(s)
  local srv, c, a = pair(s)
  local set = { a }
  for i = 2, 80 do
    local u = s.udp(); u:setsockname("127.0.0.1", 0); set[i] = u
  end
  local out = {}
  for _ = 1, 3 do out[#out + 1] = { select(3, s.select(set, nil, 0.01)) } end
  c:send("one\ntwo\n")
  a:settimeout(1)
  local r = s.select(set, nil, 1)
  out[#out + 1] = { #r, r[1] == a }
  out[#out + 1] = { a:receive(), a:dirty() }
  for _ = 1, 3 do
    local rr, _, e = s.select(set, nil, 1)
    out[#out + 1] = { #rr, rr[1] == a, e }
  end
  out[#out + 1] = { a:receive(), a:dirty() }
  local rr, _, e = s.select(set, nil, 0.01)
  out[#out + 1] = { #rr, e }
  for i = 2, #set do set[i]:close() end
  c:close(); a:close(); srv:close()
  return out
end

describe("lsock.compat, scenario by scenario against LuaSocket", function()
  local names = {}
  for name in pairs(scenarios) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    it(name .. " gives LuaSocket's results", function()
      local ref = scenarios[name](luasocket)
      local got = scenarios[name](compat)
      assert.same(ref, got)
    end)
  end
end)

describe("lsock.compat's C methods", function()
  -- connect, settimeout and close are C closures (csrc/compatobj.c) that
  -- hand every case they do not take to the Lua methods: misuse gets the
  -- Lua methods' errors, and nothing is left on the way.
  it("hand misuse to the Lua methods, arguments intact", function()
    local t = compat.tcp()
    local ok, err = pcall(t.settimeout, {}, 1)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'settimeout' %(socket expected, got table%)", err)
    ok, err = pcall(t.settimeout, setmetatable({}, {}), 1)
    assert.is_false(ok)
    assert.matches("socket expected, got table", err)
    ok, err = pcall(t.connect, {}, "127.0.0.1", 1)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'connect' %(tcp{any} expected, got table%)", err)
    ok, err = pcall(t.close, 5)
    assert.is_false(ok)
    assert.matches("attempt to index a number value", err)
    assert.equal(1, t.close({}))
    -- a string timeout, a mode, nil: as the Lua method takes them
    assert.equal(1, t:settimeout("0.25", "t"))
    assert.same({ -1, 0.25 }, { t:gettimeout() })
    assert.equal(1, t:settimeout(nil, "t"))
    assert.same({ -1, -1 }, { t:gettimeout() })
    t:close()
    -- a NaN timeout is no limit, by address (C) as by name (Lua)
    local srv, port = listener(compat)
    for _, host in ipairs { "127.0.0.1", "localhost" } do
      local c = compat.tcp()
      c:settimeout(0 / 0)
      assert.equal(1, c:connect(host, port))
      local a = assert(srv:accept())
      assert.equal(3, c:send("ok\n"))
      assert.equal("ok", a:receive())
      a:close(); c:close()
    end
    srv:close()
  end)

  it("receive and send follow a socket replaced by setfd", function()
    -- receive and send remember the socket they found last; setfd
    -- replaces it, and they must use the new one.
    local srv1, c, a1 = pair(compat)
    local srv2, c2, a2 = pair(compat)
    a1:send("one\n")
    assert.equal("one", c:receive())
    assert.equal(5, c:send("back\n"))
    assert.equal("back", a1:receive())
    local old, fd = c:getfd(), c2:getfd()
    c2:setfd(-1)
    c:setfd(fd)
    helper.lsock.close(old)
    a2:send("two\n")
    assert.equal("two", c:receive())
    assert.equal(4, c:send("2nd\n"))
    assert.equal("2nd", a2:receive())
    for _, o in ipairs { c, a1, a2, srv1, srv2 } do o:close() end
  end)

  it("connect a udp object or a server the Lua way", function()
    local srv = compat.tcp()
    assert(srv:bind("127.0.0.1", 0)); assert(srv:listen())
    local ok, err = pcall(srv.connect, srv, "127.0.0.1", 1)
    assert.is_false(ok)
    assert.matches("tcp{master} expected", err)
    local u = compat.udp()
    ok, err = pcall(compat.tcp().connect, u, "127.0.0.1", 1)
    assert.is_false(ok)
    assert.matches("tcp{any} expected", err)
    srv:close(); u:close()
  end)
end)

describe("lsock.compat where lsock does better", function()
  it("selects over 1,100 sockets (LuaSocket stops at _SETSIZE 1024)", function()
    assert.is_true(compat._SETSIZE > 100000)
    local srv, c, a = pair(compat)
    local many = {}
    for i = 1, 1100 do
      local u = compat.udp(); u:setsockname("127.0.0.1", 0); many[i] = u
    end
    local list = {}
    for i = 1, #many do list[i] = many[i] end
    list[#list + 1] = a
    c:send("x\n")
    local r, _, e = compat.select(list, nil, 2)
    assert.same({ 1, 1 }, { #r, r[a] })
    assert.is_nil(e)
    for _, u in ipairs(many) do u:close() end
    c:close(); a:close(); srv:close()
  end)

  it("returns the elapsed time as a fourth result with _DEBUG", function()
    local srv, c, a = pair(compat)
    compat._DEBUG = true
    a:settimeout(0.1)
    local ok, d1, d2, partial, el = pcall(a.receive, a)
    compat._DEBUG = nil
    assert.is_true(ok)
    assert.same({ nil, "timeout", "" }, { d1, d2, partial })
    assert.is_true(el >= 0.05 and el < 3)
    c:close(); a:close(); srv:close()
  end)

  it("gettime is the wall clock", function()
    assert.is_true(math.abs(compat.gettime() - os.time()) < 2)
    assert.is_true(math.abs(compat.gettime() - luasocket.gettime()) < 0.5)
  end)

  it("setfd hands the descriptor over, as LuaSec's wrap does", function()
    local srv, c, a = pair(compat)
    local fd = c:getfd()
    c:setfd(-1)
    assert.equal(-1, c:getfd())
    assert.is_true(helper.fd_is_open(fd))
    local s = helper.lsock.fromfd(fd)
    assert.equal(3, s:send("hi\n"))
    a:settimeout(1)
    assert.equal("hi", a:receive())
    s:close(); a:close(); srv:close()
  end)
end)
