-- sendmmsg / recvmmsg: many datagrams per system call.
local lsock = require "lsock"
local S = require "spec.support_advio"

-- Receive until 'want' datagrams came (bounded in calls and by the
-- socket's timeout); returns the data and senders arrays.
local function drain(r, want, size)
  local all, from = {}, {}
  for _ = 1, want do
    local ds, as = r:recvmmsg(64, size or 100)
    assert(ds, as)
    for i = 1, #ds do
      all[#all + 1] = ds[i]
      from[#from + 1] = as[i]
    end
    if #all >= want then break end
  end
  return all, from
end

describe("socket:sendmmsg() / recvmmsg()", function()
  it("receives a burst sent by sendmmsg in order, with the senders", function()
    local r, c = S.udp(), S.udp()
    finally(function() r:close(); c:close() end)
    local burst = {}
    for i = 1, 50 do burst[i] = ("datagram %d"):format(i) end
    assert.equal(50, c:sendmmsg(burst, r:getsockname()))
    local all, from = drain(r, 50)
    assert.same(burst, all)
    assert.equal(50, #from)
    for i = 1, 50 do assert.equal(c:getsockname(), from[i]) end
  end)

  it("returns at most count datagrams and does not wait for more than the first", function()
    local r, c = S.udp(), S.udp()
    finally(function() r:close(); c:close() end)
    c:sendmmsg({"1", "2", "3"}, r:getsockname())
    local ds = r:recvmmsg(2, 10)
    assert.same({"1", "2"}, ds)
    -- blocking socket: one queued datagram comes back at once
    r:settimeout(nil)
    ds = r:recvmmsg(64, 10)
    assert.same({"3"}, ds)
  end)

  it("sends each datagram to its own address from an array", function()
    local r1, r2, c = S.udp(), S.udp(), S.udp()
    finally(function() r1:close(); r2:close(); c:close() end)
    local a1, a2 = r1:getsockname(), r2:getsockname()
    assert.equal(3, c:sendmmsg({"x", "y", "z"}, {a1, a2, a1}))
    assert.same({"x", "z"}, (drain(r1, 2)))
    assert.same({"y"}, (drain(r2, 1)))
    -- host, port for all, then flags
    assert.equal(1, c:sendmmsg({"hp"}, "127.0.0.1", a2.port, 0))
    assert.same({"hp"}, (drain(r2, 1)))
  end)

  it("works on a connected socket without addresses", function()
    local r, c = S.udp(), S.udp()
    finally(function() r:close(); c:close() end)
    assert(c:connect(r:getsockname()))
    assert.equal(2, c:sendmmsg({"p", "q"}))
    assert.same({"p", "q"}, (drain(r, 2)))
  end)

  it("receives a burst sent by a python3 sender", function()
    local r = S.udp()
    finally(function() r:close() end)
    assert(r:setsockopt("socket", "rcvbuf", 1 << 20))
    local ok, out = S.python([[
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    s.sendto(b"py%03d" % i, ("127.0.0.1", int(sys.argv[1])))
print("sent")
]], r:getsockname().port)
    assert.is_true(ok, out)
    local all, from = drain(r, 200)
    assert.equal(200, #all)
    for i = 1, 200 do assert.equal(("py%03d"):format(i - 1), all[i]) end
    assert.equal("127.0.0.1", from[1].host)
    -- one sender in a row within a batch: one shared sockaddr value
    assert.is_true(rawequal(from[1], from[2]))
    assert.equal(from[1], from[200])
  end)

  it("times out, and says EAGAIN when non-blocking", function()
    local r = S.udp()
    finally(function() r:close() end)
    r:settimeout(0.05)
    local ok, msg = r:recvmmsg(8, 100)
    assert.is_nil(ok)
    assert.equal("timeout", msg)
    r:settimeout(0)
    local _, _, err = r:recvmmsg(8, 100)
    assert.equal(lsock.errno.EAGAIN, err)
  end)

  it("works over unix datagram sockets", function()
    local a, b = assert(lsock.socketpair("unix", "dgram"))
    finally(function() a:close(); b:close() end)
    b:settimeout(5)
    assert.equal(2, a:sendmmsg({"u1", "u2"}))
    local ds, as = b:recvmmsg(4, 10)
    assert.same({"u1", "u2"}, ds)
    assert.equal("", as[1].path)
  end)

  it("survives a finalizer that receives while a batch is being built", function()
    local r, c, r2 = S.udp(), S.udp(), S.udp()
    local armed = true
    finally(function() armed = false; r:close(); c:close(); r2:close() end)
    r2:settimeout(0)
    -- each collection cycle runs this, inside recvmmsg's own allocations;
    -- its big receive would move the shared buffer if it were not set aside
    local calls = 0
    local function arm()
      setmetatable({}, {__gc = function()
        if not armed then return end
        calls = calls + 1
        r2:recvmmsg(64, 65535)
        arm()
      end})
    end
    arm()
    -- until a few cycles ran (a big heap takes longer to go round)
    for _ = 1, 5000 do
      local batch = {}
      for i = 1, 64 do batch[i] = string.rep(string.char(64 + i % 26), 100 + i) end
      assert.equal(64, c:sendmmsg(batch, r:getsockname()))
      local got = drain(r, 64, 2000)
      assert.same(batch, got)
      if calls >= 3 then break end
    end
    assert.is_true(calls >= 3)
  end)

  it("raises on bad arguments", function()
    local r = S.udp()
    finally(function() r:close() end)
    assert.has_error(function() r:recvmmsg(0, 10) end)
    assert.has_error(function() r:recvmmsg(2000, 10) end)
    assert.has_error(function() r:recvmmsg(4, -1) end)
    assert.has_error(function() r:sendmmsg("x") end)
    assert.has_error(function() r:sendmmsg({"x", 2}, r:getsockname()) end)
    assert.has_error(function() r:sendmmsg({"x", "y"}, {r:getsockname()}) end)
    assert.has_error(function() r:sendmmsg({"x"}, {"not an address"}) end)
  end)
end)
