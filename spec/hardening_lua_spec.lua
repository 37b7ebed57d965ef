-- Issue 13, the Lua layer: option tables checked by one checker
-- (lsock.util.checkopts), servers that forget closed connections, end
-- their tasks after `grace`, release the listener when `stop` raises, reap
-- only their own children and deliver the last UDP reply; multicast
-- groups checked before any socket exists.  Peers are python3, a second
-- lua5.4 process and lsock sockets; every wait is bounded.
local lsock = require "lsock"
local H = require "spec.helper"

local function raises(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error matching " .. pattern)
  assert.matches(pattern, tostring(err))
end

describe("issue 13, option tables", function()
  it("issue 13 item 14: every helper raises on an unknown opts key, naming it", function()
    local tcp, udp, unix = lsock.tcp, lsock.udp, lsock.unix
    local stream, mc, server = lsock.stream, lsock.multicast, require "lsock.server"
    local l <close> = assert(tcp.listen("127.0.0.1", 0))
    local port = l:getsockname().port
    raises("bad argument #3 to 'connect' %(unknown option 'tmeout'%)",
           tcp.connect, "127.0.0.1", port, { tmeout = 1 })
    raises("bad argument #3 to 'listen' %(unknown option 'backlg'%)",
           tcp.listen, "127.0.0.1", 0, { backlg = 5 })
    raises("bad argument #1 to 'open' %(unknown option 'bnd'%)",
           udp.open, { bnd = { "127.0.0.1", 0 } })
    raises("unknown option 'tyep'", unix.listen, "/nonexistent/x.sock", { tyep = "dgram" })
    raises("unknown option 'timout'", unix.connect, "/nonexistent/x.sock", { timout = 1 })
    local c, a = H.tcp_pair()
    finally(function() H.close(c, a) end)
    raises("bad argument #2 to 'wrap' %(unknown option 'bufsze'%)",
           stream.wrap, c, { bufsze = 10 })
    raises("unknown option 'interfac'", mc.receiver, "225.0.0.10", 0, { interfac = 1 })
    raises("unknown option 'tll'", mc.sender, "225.0.0.10", 7, { tll = 0 })
    raises("unknown option 'handelr'", server.tcp,
           { host = "127.0.0.1", handler = print, handelr = print })
    raises("unknown option 'sise'", server.udp,
           { host = "127.0.0.1", handler = print, sise = 10 })
    -- Non-string keys are unknown too, and the types of known ones count.
    raises("unknown option '1'", udp.open, { "127.0.0.1" })
    raises("option 'timeout': number expected, got string",
           tcp.connect, "127.0.0.1", port, { timeout = "5" })
    raises("option 'bind': lsock.sockaddr or table expected, got string",
           udp.open, { bind = "127.0.0.1" })
    -- Nothing was created by the calls that raised.
    assert.is_nil(io.open("/nonexistent/x.sock"))
  end)

  it("issue 13 item 14: a correctly spelt opts table still works against python3", function()
    local s <close> = assert(lsock.udp.open{ bind = { "127.0.0.1", 0 }, timeout = 5 })
    local p = H.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"hello", ("127.0.0.1", int(sys.argv[1])))
print(s.recvfrom(100)[0].decode(), flush=True)
]], s:getsockname().port)
    finally(function() p:cleanup() end)
    local data, from = s:recvfrom(100)
    assert.equal("hello", data)
    assert(s:sendto("HELLO", from))
    assert.equal("HELLO", p:line())
  end)

  it("issue 13 item 14: stream.wrap of a datagram socket raises", function()
    local d <close> = assert(lsock.socket("inet", "dgram"))
    raises("bad argument #1 to 'wrap' %(stream socket expected, got dgram%)",
           lsock.stream.wrap, d)
    local a, b = assert(lsock.socketpair("unix", "dgram"))
    finally(function() H.close(a, b) end)
    raises("stream socket expected", lsock.stream.wrap, require("lsock.loop").wrap(a))
  end)

  it("issue 13 item 14: tcp.connect takes an array of host strings and sockaddrs, port applied to the strings", function()
    local l <close> = assert(lsock.tcp.listen("127.0.0.1", 0, { timeout = 5 }))
    local port = l:getsockname().port
    -- A port where nothing listens: bind one and close it.
    local dead = assert(lsock.tcp.listen("127.0.0.1", 0))
    local deadaddr = dead:getsockname()
    dead:close()
    -- A refused sockaddr first (its own port), then a name with `port`.
    local c = assert(lsock.tcp.connect({ deadaddr, "127.0.0.1" }, port, { timeout = 5 }))
    local a = assert(l:accept())
    assert.equal(port, c:getpeername().port)
    H.close(c, a)
    -- Strings alone.
    c = assert(lsock.tcp.connect({ "127.0.0.2", "127.0.0.1" },
                                 port, { timeout = 5, family = "inet" }))
    a = assert(l:accept())
    H.close(c, a)
    -- Sockaddrs alone need no port.
    c = assert(lsock.tcp.connect({ l:getsockname() }, nil, { timeout = 5 }))
    a = assert(l:accept())
    H.close(c, a)
    raises("bad argument #2 to 'connect' %(port expected%)",
           lsock.tcp.connect, { l:getsockname(), "127.0.0.1" })
    raises("host string or sockaddr expected at index 2",
           lsock.tcp.connect, { "127.0.0.1", 42 }, port)
  end)

  it("issue 13 item 15: stream.wrap checks the bounds of bufsize and maxline", function()
    local c, a = H.tcp_pair()
    finally(function() H.close(c, a) end)
    raises("option 'bufsize' must be at most", lsock.stream.wrap, c, { bufsize = 1 << 40 })
    raises("option 'bufsize': integer expected, got number",
           lsock.stream.wrap, c, { bufsize = 2.0 ^ 40 })
    raises("option 'bufsize' must be at most", lsock.stream.wrap, c, { bufsize = 1 << 31 })
    raises("option 'maxline': integer expected", lsock.stream.wrap, c, { maxline = 1.5 })
    raises("option 'maxline' must be at least 1", lsock.stream.wrap, c, { maxline = 0 })
    -- The largest accepted size reads as any other.
    local st = lsock.stream.wrap(c, { bufsize = (1 << 31) - 1 })
    assert(a:sendall("line\n"))
    assert.equal("line", st:read("l"))
    st:close()
  end)
end)

describe("issue 13, multicast groups", function()
  it("issue 13 item 11: receiver with a unix sockaddr group raises before any socket exists", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. H.quote(dir)))
    finally(function() os.execute("rm -rf " .. H.quote(dir)) end)
    -- A second lua5.4 process in an empty directory: nothing may appear.
    -- The module paths made absolute, since the child runs elsewhere.
    local cwd = io.popen("pwd"):read("l")
    local function abs(path)
      return (path:gsub("%./", cwd .. "/"))
    end
    local p = H.spawn(("sh -c %s"):format(H.quote(("cd %s && LUA_PATH=%s LUA_CPATH=%s exec %s -")
      :format(H.quote(dir), H.quote(abs(package.path)), H.quote(abs(package.cpath)), H.LUA))), [[
local lsock = require "lsock"
local before = 0
for _ in io.popen("ls /proc/$PPID/fd"):lines() do before = before + 1 end
local ok, err = pcall(lsock.multicast.receiver, lsock.addr("/tmp/group.sock"), 0)
print(ok, err)
local after = 0
for _ in io.popen("ls /proc/$PPID/fd"):lines() do after = after + 1 end
print(before == after)
]])
    finally(function() p:cleanup() end)
    local out = p:finish()
    assert.matches("^false\t[^\n]*bad argument #1 to 'receiver' %(inet or inet6 group expected, got unix%)", out)
    assert.matches("\ntrue\n$", out)
    local ls = io.popen("ls -A " .. H.quote(dir))
    assert.equal("", ls:read("a"))
    ls:close()
    raises("inet or inet6 group expected, got unix", lsock.multicast.sender,
           lsock.addr("/tmp/group.sock"), 7)
  end)

  it("issue 13 item 11: sender and receiver treat an unresolvable group alike: nil, msg, EAI code", function()
    for _, group in ipairs { "no.such.group.invalid", "225.0.0.300" } do
      local r, rmsg, rcode = lsock.multicast.receiver(group, 0)
      local s, smsg, scode = lsock.multicast.sender(group, 7)
      assert.is_nil(r)
      assert.is_nil(s)
      assert.is_string(rmsg)
      assert.equal(rmsg, smsg)
      assert.equal(lsock.EAI_NONAME, rcode)
      assert.equal(rcode, scode)
    end
  end)
end)
