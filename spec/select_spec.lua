-- lsock.select: poll() underneath, so descriptors above 1023 work; takes
-- sockets, Lua files, integer descriptors and objects with fileno.
local lsock = require "lsock"
local support = require "support_poll"

describe("lsock.select()", function()
  it("returns the ready entries in order, also as keys", function()
    local a, b = lsock.socketpair()
    local c, d = lsock.socketpair()
    finally(function() a:close() b:close() c:close() d:close() end)
    assert(b:send("x"))
    assert(c:send("y"))
    local r, w = lsock.select({ d, c, b, a }, { a }, 1)
    -- b's data is for a, c's for d: in the order given, d then a.
    assert.same({ d, a }, { r[1], r[2] })
    assert.equal(2, #r)
    assert.is_true(r[a])
    assert.is_true(r[d])
    assert.is_nil(r[b])
    assert.equal(1, #w)
    assert.is_true(w[a])
  end)

  it("returns two empty tables on timeout, after the timeout", function()
    local a, b = lsock.socketpair()
    finally(function() a:close() b:close() end)
    local t0 = lsock.monotime()
    local r, w = lsock.select({ a, b }, {}, 0.2)
    assert.same({}, r)
    assert.same({}, w)
    assert.is_true(lsock.monotime() - t0 >= 0.19)
  end)

  it("accepts nil for either list and waits with no timeout", function()
    local a, b = lsock.socketpair()
    finally(function() a:close() b:close() end)
    local r, w = lsock.select(nil, { a })
    assert.equal(0, #r)
    assert.equal(a, w[1])
  end)

  it("works with 1600 sockets and descriptors above 1023", function()
    local socks = {}
    finally(function() for _, s in ipairs(socks) do s:close() end end)
    for _ = 1, 800 do
      local x, y = assert(lsock.socketpair())
      socks[#socks + 1] = x
      socks[#socks + 1] = y
    end
    local high = {}
    for _, s in ipairs(socks) do
      if s:fileno() > 1100 and #high < 5 then high[#high + 1] = s end
    end
    assert.equal(5, #high)
    -- the peer of socks[2k-1] is socks[2k]: write to the peers of 'high'
    local want = {}
    for i, s in ipairs(socks) do
      for _, h in ipairs(high) do
        if s == h then
          local peer = i % 2 == 1 and socks[i + 1] or socks[i - 1]
          assert(peer:send("ping"))
          want[h] = true
        end
      end
    end
    local r = assert(lsock.select(socks, nil, 2))
    assert.equal(5, #r)
    for _, s in ipairs(r) do
      assert.is_true(want[s])
      assert.is_true(s:fileno() > 1023)
      assert.equal("ping", s:recv(10))
    end
    -- and the writers: every one of them can be written
    local _, w = lsock.select(nil, socks, 2)
    assert.equal(1600, #w)
  end)

  it("waits on a pipe as a Lua file and as a descriptor number", function()
    local f = assert(io.popen("sleep 0.2; echo hello"))
    finally(function() f:close() end)
    local r = lsock.select({ f }, nil, 0)
    assert.equal(0, #r)
    r = lsock.select({ f }, nil, 5)
    assert.equal(f, r[1])
    assert.is_true(r[f])
    -- The same pipe by number (no keys for numbers).
    local a = lsock.socketpair()
    finally(function() a:close() end)
    r = lsock.select({ a, 3, f }, nil, 0)
    assert.equal(f, r[#r])
    assert.equal("hello", f:read("l"))
  end)

  it("waits on standard input (descriptor 0) fed through a pipe", function()
    local code = [[
      local lsock = require "lsock"
      local r = lsock.select({0}, nil, 5)
      print(#r, r[1], io.read("l"))
      r = lsock.select({io.stdin}, nil, 0.1)
      print(#r)
    ]]
    local p = assert(io.popen("sh -c " .. support.quote("(sleep 0.2; echo typed; sleep 1)"
      .. " | lua5.4 -e " .. support.quote(code))))
    local out = p:read("a")
    p:close()
    assert.equal("1\t0\ttyped\n0\n", out)
  end)

  it("takes objects with a fileno method, and dirty() means ready", function()
    local a, b = lsock.socketpair()
    finally(function() a:close() b:close() end)
    local obj = { fileno = function() return a:fileno() end }
    local buffered = setmetatable({}, { __index = {
      fileno = function() return a:fileno() end,
      dirty = function() return true end,
    } })
    local r = lsock.select({ obj, buffered }, nil, 5)
    assert.same({ buffered }, { r[1], r[2] })
    assert(b:send("x"))
    r = lsock.select({ obj }, nil, 5)
    assert.equal(obj, r[1])
  end)

  it("raises on misuse, naming the entry", function()
    local a = lsock.socketpair()
    a:close()
    assert.error_matches(function() lsock.select({ 0, a }) end,
      "bad argument #1 to 'select' %(entry 2: attempt to use a closed socket%)")
    assert.error_matches(function() lsock.select(nil, { "x" }) end,
      "bad argument #2 to 'select' %(entry 1: socket, file, descriptor or "
      .. "object with fileno expected, got string%)")
    assert.error_matches(function() lsock.select({ -1 }) end,
      "entry 1: invalid descriptor")
    assert.error_matches(function() lsock.select({}, {}, "x") end,
      "bad argument #3 to 'select'")
    local f = io.tmpfile()
    f:close()
    assert.error_matches(function() lsock.select({ f }) end,
      "entry 1: attempt to use a closed file")
  end)

  it("reports a descriptor that is not open as EBADF", function()
    local a = lsock.socketpair()
    local fd = a:fileno()
    a:close()
    local r, msg, e = lsock.select({ fd }, nil, 0)
    assert.is_nil(r)
    assert.equal(lsock.errno.EBADF, e)
    assert.is_string(msg)
  end)
end)

describe("lsock.sleep()", function()
  it("blocks for the time given", function()
    local t0 = lsock.monotime()
    assert.is_true(lsock.sleep(0.05))
    assert.is_true(lsock.monotime() - t0 >= 0.049)
    assert.error_matches(function() lsock.sleep(-1) end, "bad argument #1 to 'sleep'")
  end)
end)
