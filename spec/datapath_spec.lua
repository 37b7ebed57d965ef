-- The data path that bench/ measures: recv and recvfrom (which receive
-- into a shared scratch buffer up to 64 KiB and into a luaL_Buffer
-- above), and send's optional i, j range (skipped when absent).
local lsock = require "lsock"

local function dgrampair()
  local a = assert(lsock.socket("inet", "dgram"))
  local b = assert(lsock.socket("inet", "dgram"))
  assert(a:setsockopt("socket", "rcvtimeo", 5))
  assert(b:setsockopt("socket", "rcvtimeo", 5))
  assert(a:bind("127.0.0.1", 0))
  assert(b:bind("127.0.0.1", 0))
  assert(a:connect(b:getsockname()))
  assert(b:connect(a:getsockname()))
  return a, b
end

local function streampair()
  local a, b = assert(lsock.socketpair("unix", "stream"))
  for _, s in ipairs({a, b}) do
    assert(s:setsockopt("socket", "rcvtimeo", 5))
    assert(s:setsockopt("socket", "sndtimeo", 5))
  end
  return a, b
end

-- n bytes that differ from one position to the next, so that a copy
-- from the wrong place or of the wrong length shows.
local function pattern(n, seed)
  local t = {}
  for i = 1, n do t[i] = string.char((i * 7 + seed) % 251) end
  return table.concat(t)
end

-- Everything the peer sent on a stream, up to n bytes (bounded loop).
local function recvall(s, n)
  local parts, got = {}, 0
  for _ = 1, 10000 do
    if got >= n then break end
    local r = assert(s:recv(n - got))
    assert.is_true(#r > 0, "peer closed early")
    parts[#parts + 1] = r
    got = got + #r
  end
  return table.concat(parts)
end

describe("socket:recv()", function()
  it("returns each datagram whole, at every size up to the buffer", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    for _, n in ipairs({0, 1, 32, 1024, 1025, 2048, 8192, 60000}) do
      local data = pattern(n, n)
      assert.equal(n, a:send(data))
      assert.equal(data, b:recv(65536))
    end
  end)

  it("truncates a datagram to the size asked for", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    local data = pattern(3000, 1)
    assert.equal(3000, a:send(data))
    assert.equal(data:sub(1, 100), b:recv(100))
  end)

  it("keeps only what fits with the trunc flag", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    local data = pattern(500, 2)
    assert.equal(500, a:send(data))
    assert.equal(data:sub(1, 10), b:recv(10, "trunc"))
  end)

  it("gives independent strings from successive calls", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    assert(a:send(pattern(40, 1)))
    assert(a:send(pattern(2000, 2)))
    local r1 = b:recv(4096)
    local r2 = b:recv(4096)
    assert.equal(pattern(40, 1), r1)
    assert.equal(pattern(2000, 2), r2)
  end)

  it("receives more than 64 KiB in one call on a stream", function()
    local a, b = streampair()
    finally(function() a:close(); b:close() end)
    local data = pattern(100000, 3)
    assert.equal(#data, a:sendall(data))
    local got = b:recv(300000)
    assert.is_true(#got > 65536)
    got = got .. recvall(b, #data - #got)  -- a stream may split it
    assert.equal(data, got)
  end)

  it("returns what is there on a stream, below the size asked", function()
    local a, b = streampair()
    finally(function() a:close(); b:close() end)
    assert(a:send("hello"))
    assert.equal("hello", b:recv(100000))
  end)

  it("returns an empty string when the peer shuts down", function()
    local a, b = streampair()
    finally(function() a:close(); b:close() end)
    assert(a:shutdown("wr"))
    assert.equal("", b:recv(70000))
    assert.equal("", b:recv(10))
  end)

  it("reports a timeout as nil, msg, errno", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    assert(b:setsockopt("socket", "rcvtimeo", 0.05))
    local r, msg, err = b:recv(2048)
    assert.is_truthy(a)
    assert.is_nil(r)
    assert.is_string(msg)
    assert.equal(lsock.errno.EAGAIN, err)
  end)

  it("raises on a closed socket and a negative size", function()
    local a, b = dgrampair()
    finally(function() b:close() end)
    a:close()
    assert.has_error(function() a:recv(10) end)
    assert.has_error(function() b:recv(-1) end)
  end)
end)

describe("socket:recvfrom()", function()
  it("returns the data and the sender's address", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    local data = pattern(1500, 4)
    assert(a:send(data))
    local r, from = b:recvfrom(2048)
    assert.equal(data, r)
    assert.equal(a:getsockname(), from)
  end)

  it("takes datagrams larger than the shared buffer's half", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    local data = pattern(65000, 5)
    assert(a:send(data))
    local r, from = b:recvfrom(65536)
    assert.equal(data, r)
    assert.equal(a:getsockname().port, from.port)
  end)

  it("receives into a large buffer above the shared one", function()
    local a, b = dgrampair()
    finally(function() a:close(); b:close() end)
    local data = pattern(100, 6)
    assert(a:send(data))
    local r, from = b:recvfrom(100000)
    assert.equal(data, r)
    assert.equal("127.0.0.1", from.host)
  end)
end)

describe("socket:send()", function()
  it("sends the whole string without i, j", function()
    local a, b = streampair()
    finally(function() a:close(); b:close() end)
    assert.equal(5, a:send("hello"))
    assert.equal("hello", b:recv(10))
  end)

  it("sends data:sub(i, j) with i, j, negative indices as string.sub", function()
    local a, b = streampair()
    finally(function() a:close(); b:close() end)
    local cases = {{2}, {2, 4}, {-3}, {-4, -2}, {0, 2}, {4, 2}, {1, 100}, {-100, 1}}
    for _, c in ipairs(cases) do
      local want = ("abcdef"):sub(c[1], c[2] or -1)
      assert.equal(#want, a:send("abcdef", nil, c[1], c[2]))
      if #want > 0 then assert.equal(want, b:recv(10)) end
    end
  end)

  it("sendall sends a range, and the whole of a string larger than 64 KiB", function()
    local a, b = streampair()
    finally(function() a:close(); b:close() end)
    assert.equal(3, a:sendall("abcdef", 2, 4))
    assert.equal("bcd", b:recv(10))
    local data = pattern(100000, 7)
    assert.equal(#data, a:sendall(data))
    assert.equal(data, recvall(b, #data))
  end)
end)

describe("closing a socket", function()
  it("close() returns true, twice, and tostring says closed", function()
    local s = assert(lsock.socket("inet", "stream"))
    assert.is_true(s:close())
    assert.is_true(s:close())
    assert.equal("lsock.socket(closed)", tostring(s))
  end)

  it("closes at the end of a <close> scope and by the collector", function()
    -- Sockets other specs dropped must not free a lower descriptor midway.
    collectgarbage()
    collectgarbage()
    local fd
    do
      local s <close> = assert(lsock.socket("inet", "dgram"))
      fd = s:fileno()
    end
    -- the descriptor is free again: the next socket gets it back
    local t = assert(lsock.socket("inet", "dgram"))
    assert.equal(fd, t:fileno())
    t = nil  -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    local u = assert(lsock.socket("inet", "dgram"))
    finally(function() u:close() end)
    assert.equal(fd, u:fileno())
  end)

  it("close, __gc and __tostring raise on other values", function()
    local s = assert(lsock.socket("inet", "dgram"))
    finally(function() s:close() end)
    local mt = getmetatable(s)
    local close = mt.__index.close
    assert.has_error(function() close({}) end)
    assert.has_error(function() close(io.stdout) end)
    assert.has_error(function() mt.__gc(42) end)
    assert.has_error(function() mt.__tostring(lsock.addr("127.0.0.1", 1)) end)
    assert.error_matches(function() close("x") end, "lsock.socket expected")
  end)
end)
