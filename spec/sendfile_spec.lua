-- s:sendfile(file_or_fd [, offset [, count]]) on stream sockets.
local lsock = require "lsock"
local S = require "spec.support_advio"

-- Bytes that are not a repetition: a wrong offset or a lost chunk shows.
local function content(n)
  local parts, i = {}, 0
  while i * 8 < n do
    parts[#parts + 1] = string.pack("<I8", i * 2654435761 % (1 << 61))
    i = i + 1
  end
  return table.concat(parts):sub(1, n)
end

-- A child lua5.4 that connects to port and writes all it reads to out;
-- its script goes to the file 'script'.
local function reader(port, out, script)
  local code = ([[
local lsock = require "lsock"
local s = assert(lsock.socket("inet", "stream"))
s:settimeout(20)
assert(s:connect("127.0.0.1", %d))
local f = assert(io.open(%q, "wb"))
for _ = 1, 100000 do
  local d = assert(s:recv(65536))
  if d == "" then break end
  f:write(d)
end
f:close()
print("done")
]]):format(port, out)
  S.writefile(script, code)
  return io.popen(S.luacmd(script))
end

describe("socket:sendfile()", function()
  it("sends a 10 MiB file byte-exact to another process", function()
    local src, dst, script = S.tmpname(), S.tmpname(), S.tmpname()
    local l = assert(lsock.socket("inet", "stream"))
    local child
    finally(function()
      l:close()
      if child then child:close() end
      os.remove(src); os.remove(dst); os.remove(script)
    end)
    local data = content(10 * 1024 * 1024)
    S.writefile(src, data)
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen())
    l:settimeout(10)
    child = reader(l:getsockname().port, dst, script)
    local s = assert(l:accept())
    s:settimeout(10)  -- O_NONBLOCK underneath: exercises the waits
    local f = assert(io.open(src, "rb"))
    assert.equal(#data, s:sendfile(f))
    -- without an offset the file's position moved past what was sent
    assert.equal(#data, f:seek())
    f:close()
    s:close()
    assert.equal("done\n", child:read("a"))
    assert.is_true(child:close())
    child = nil
    local got = S.readfile(dst)
    assert.equal(#data, #got)
    assert.is_true(got == data)
  end)

  it("honours offset and count, and a Lua file's own position", function()
    local src = S.tmpname()
    local a, b = assert(lsock.socketpair("unix", "stream"))
    finally(function() a:close(); b:close(); os.remove(src) end)
    b:settimeout(5)
    S.writefile(src, "0123456789abcdef")
    local f = assert(io.open(src, "rb"))
    assert.equal(4, a:sendfile(f, 10, 4))
    assert.equal("abcd", b:recv(100))
    -- an explicit offset leaves the position alone
    assert.equal(0, f:seek())
    -- from the current (stdio) position: read 3 bytes, then send 5
    assert.equal("012", f:read(3))
    assert.equal(5, a:sendfile(f, nil, 5))
    assert.equal("34567", b:recv(100))
    assert.equal("89a", f:read(3))
    -- count past the end stops at the end
    assert.equal(2, a:sendfile(f, 14, 100))
    assert.equal("ef", b:recv(100))
    f:close()
    -- what a Lua file wrote but has not flushed is sent too
    local w = assert(io.open(src, "w+b"))
    w:write("buffered")
    assert.equal(8, a:sendfile(w, 0))
    assert.equal("buffered", b:recv(100))
    w:close()
  end)

  it("returns nil, msg, errno, sent on failure and raises on misuse", function()
    local src = S.tmpname()
    local a, b = assert(lsock.socketpair("unix", "stream"))
    finally(function() a:close(); os.remove(src) end)
    S.writefile(src, "x")
    b:close()
    local f = assert(io.open(src, "rb"))
    local ok, _, err, sent = a:sendfile(f)
    assert.is_nil(ok)
    assert.equal(lsock.errno.EPIPE, err)
    assert.equal(0, sent)
    f:close()
    assert.has_error(function() a:sendfile(f) end)
    assert.has_error(function() a:sendfile("name") end)
    assert.has_error(function() a:sendfile(io.stdin, -1) end)
    assert.has_error(function() a:sendfile(io.stdin, 0, -2) end)
  end)
end)
