-- lsock.stream: Lua io formats over TCP, timeouts that keep data, write
-- buffering, and real peers (python3 one byte at a time, nc, socat).
local lsock = require "lsock"
local stream = require "lsock.stream"
local S = require "spec.support_stream"

local ETIMEDOUT = lsock.errno.ETIMEDOUT

-- Formats compared with io on the same bytes, four reads in a row each.
local INPUTS = {
  "", "abc", "abc\n", "a\nb\n", "a\n\nb", "\n\n", "one\ntwo\nthree",
  "12 0x1F -3.5e2 abc", "  7\n8", "0x", "1e", ".5", "-.e5", "5.", "0x1p4 z",
  "\0a\0\nb\0", "nan inf", "+12-3", ("9"):rep(250) .. " 1",
}
local FORMATS = {
  { "l" }, { "L" }, { "a" }, { "n" }, { 5 }, { 0 }, { 1 }, { "l", "l", "l" },
  { "L", "a" }, { "n", "n", "n", "n" }, { 3, "l", 2 }, { "a", "a" },
  { "l", "a", "l" }, { "*l" }, { "*a" }, { 0, "a", 0 }, { "n", "l" }, {},
}

local function show(packs)
  local t = {}
  for i, p in ipairs(packs) do
    local vs = {}
    for j = 1, p.n do vs[j] = ("%q"):format(p[j]) end
    t[i] = "{" .. table.concat(vs, ", ") .. "}"
  end
  return table.concat(t, " ")
end

describe("stream:read()", function()
  it("returns what io's file:read returns for every format and mix", function()
    for _, data in ipairs(INPUTS) do
      for _, fmts in ipairs(FORMATS) do
        local want = S.ioreads(data, 4, table.unpack(fmts))
        local got = S.streamreads(data, 4, table.unpack(fmts))
        assert.are.equal(show(want), show(got),
          ("data %q formats {%s}"):format(data, table.concat(fmts, ",")))
      end
    end
  end)

  it("keeps integers integers and floats floats with \"n\"", function()
    local got = S.streamreads("10 10.0 0x10", 1, "n", "n", "n")[1]
    assert.are.equal("integer", math.type(got[1]))
    assert.are.equal("float", math.type(got[2]))
    assert.are.equal(16, got[3])
  end)

  it("strips LF and CRLF with \"l\", keeps them with \"L\"", function()
    local data = "dos\r\nunix\nmid\rcr\n\r\nlast\r"
    local r = S.streamreads(data, 5, "l")
    assert.are.same({ "dos", "unix", "mid\rcr", "", "last\r" },
      { r[1][1], r[2][1], r[3][1], r[4][1], r[5][1] })
    r = S.streamreads(data, 1, "L", "L", "L", "L", "L")[1]
    assert.are.same({ "dos\r\n", "unix\n", "mid\rcr\n", "\r\n", "last\r" },
      { r[1], r[2], r[3], r[4], r[5] })
  end)

  it("carries binary data with NUL bytes through every format", function()
    local bin = {}
    for i = 0, 255 do if i ~= 10 then bin[#bin + 1] = string.char(i) end end
    bin = table.concat(bin)
    local data = bin .. "\n" .. bin
    local r = S.streamreads(data, 1, "L", 10, "a")[1]
    assert.are.equal(bin .. "\n", r[1])
    assert.are.equal(bin:sub(1, 10), r[2])
    assert.are.equal(bin:sub(11), r[3])
  end)

  it("raises on a bad format, as io does", function()
    local c, a = S.tcppair()
    local st <close> = stream.wrap(c)
    finally(function() a:close() end)
    assert.has_error(function() st:read("x") end, "bad argument #1 to 'read' (invalid format)")
    assert(a:sendall("kept\n"))
    assert.has_error(function() st:read("l", {}) end,
      "bad argument #2 to 'read' (string expected, got table)")
    assert.are.equal("kept", st:read("l"))
    assert.has_error(function() st:read(1.5) end,
      "bad argument #1 to 'read' (number has no integer representation)")
    assert.has_error(function() st:read(-1) end, "bad argument #1 to 'read' (negative count)")
  end)
end)

describe("stream:read() against io, with random pieces and timeouts", function()
  -- A socket stand-in that hands out data in pieces of random size and
  -- times out at random: retrying each read until it does not time out
  -- must give exactly what io gives on the whole data.  Long data in big
  -- pieces makes the buffer move its bytes down and grow.
  local ALPHABET = "ab1 2\n\n-.0x9e\0\t+"
  local FMTS = { "l", "L", "n", 0, 1, 3, 10, "a" }

  local function randomdata(len)
    local t = {}
    for i = 1, len do
      local k = math.random(#ALPHABET)
      t[i] = ALPHABET:sub(k, k)
    end
    return table.concat(t)
  end

  local function piecewise(data, maxpiece)
    local pos = 1
    return {
      recv = function(_, n)
        if math.random() < 0.3 then return nil, "timeout", ETIMEDOUT end
        local k = math.min(n, math.random(maxpiece))
        local piece = data:sub(pos, pos + k - 1)
        pos = pos + #piece
        return piece
      end,
      sendall = function(_, d) return #d end,
      close = function() return true end,
    }
  end

  it("gives io's results for 300 random data and format sequences", function()
    math.randomseed(7)
    for i = 1, 300 do
      local long = i % 3 == 0
      local data = randomdata(long and math.random(4000, 12000) or math.random(0, 120))
      local calls = {}
      for c = 1, long and 400 or math.random(1, 8) do
        local call = {}
        for f = 1, math.random(1, 3) do
          call[f] = FMTS[math.random(#FMTS - (math.random() < 0.9 and 1 or 0))]
        end
        calls[c] = call
      end
      local name = S.tmpfile(data)
      local f = assert(io.open(name, "rb"))
      local st = stream.wrap(piecewise(data, long and 5000 or 7))
      for _, call in ipairs(calls) do
        local want = table.pack(f:read(table.unpack(call)))
        local got
        for _ = 1, 1000 do
          got = table.pack(st:read(table.unpack(call)))
          if got[2] ~= "timeout" then break end
        end
        assert.are.equal(show({ want }), show({ got }),
          ("data %q formats {%s}"):format(data, table.concat(call, ",")))
      end
      f:close()
      os.remove(name)
      st:close()
    end
  end)
end)

describe("stream lines split across TCP segments", function()
  it("reassembles lines a python3 peer sends one byte at a time", function()
    local l, port = S.listener()
    local lines = { "first line", "second\r", "", "third with CRLF", ("x"):rep(100), "end" }
    local data = table.concat(lines, "\n", 1, 2) .. "\r\n\n"
      .. table.concat(lines, "\r\n", 4) .. "\n"
    local py = S.python([[
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for b in bytes.fromhex(sys.argv[2]):
    s.send(bytes([b]))
    time.sleep(0.001)
s.close()
]], port, S.hex(data))
    finally(function() py:kill(); l:close() end)
    local c = assert(l:accept())
    local st <close> = stream.wrap(c)
    local got = {}
    for line in st:lines() do got[#got + 1] = line end
    assert.are.same({ "first line", "second\r", "", "third with CRLF", ("x"):rep(100), "end" }, got)
  end)
end)

describe("opts.maxline", function()
  it("refuses a line longer than maxline and keeps its bytes", function()
    local c, a = S.tcppair()
    finally(function() a:close() end)
    local st <close> = stream.wrap(c, { maxline = 10 })
    assert(a:sendall("0123456789\n0123456789\r\n0123456789A\nrest"))
    assert.are.equal("0123456789", st:read("l"))
    assert.are.equal("0123456789", st:read("l"))
    assert.are.same({ nil, "line too long" }, { st:read("l") })
    assert.are.same({ nil, "line too long" }, { st:read("L") })
    assert.are.equal("0123456789A\n", st:read(12))
    a:shutdown("wr")
    assert.are.equal("rest", st:read("l"))
  end)

  it("says so without waiting for the end of a line that never ends", function()
    local c, a = S.tcppair(2)
    finally(function() a:close() end)
    local st <close> = stream.wrap(c)
    local big = ("y"):rep(64 * 1024 + 2)
    assert(a:sendall(big))
    assert.are.same({ nil, "line too long" }, { st:read("l") })
    assert.has_error(function() for _ in st:lines() do end end, "line too long")
    assert.are.equal(big, st:read(#big))
  end)

  it("reads lines of a megabyte when maxline allows", function()
    local l, port = S.listener()
    local py = S.python([[
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"z" * (1 << 20) + b"\r\nnext\n")
s.close()
]], port)
    finally(function() py:kill(); l:close() end)
    local c = assert(l:accept())
    local st <close> = stream.wrap(c, { maxline = 1 << 21 })
    assert.are.equal(("z"):rep(1 << 20), st:read("l"))
    assert.are.equal("next", st:read("l"))
    assert.is_nil(st:read("l"))
  end)
end)

describe("a read that times out", function()
  local c, a, st
  before_each(function()
    c, a = S.tcppair(0.1)
    st = stream.wrap(c)
  end)
  after_each(function()
    st:close()
    a:close()
  end)

  it("returns nil, \"timeout\", ETIMEDOUT and keeps a partial line", function()
    assert(a:sendall("partial"))
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read("l") })
    assert.are.equal(7, st:buffered())
    assert(a:sendall(" line\r\nnext"))
    assert.are.equal("partial line", st:read("l"))
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read("L") })
    assert(a:sendall("\n"))
    assert.are.equal("next\n", st:read("L"))
  end)

  it("keeps a partial count, a partial number and all of \"a\"", function()
    assert(a:sendall("12345"))
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read(8) })
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read("n") })
    assert(a:sendall("678 rest"))
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read("a") })
    assert.are.equal(12345678, st:read("n"))
    a:shutdown("wr")
    assert.are.equal(" rest", st:read("a"))
  end)

  it("with several formats gives back everything this read took", function()
    assert(a:sendall("one\ntwo\nthr"))
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read("l", "l", "l") })
    assert(a:sendall("ee\n"))
    assert.are.same({ "one", "two", "three" }, { st:read("l", "l", "l") })
  end)

  it("ends lines() with the message and loses nothing", function()
    assert(a:sendall("a\nb\nc"))
    local got = {}
    assert.has_error(function() for line in st:lines() do got[#got + 1] = line end end, "timeout")
    assert.are.same({ "a", "b" }, got)
    assert(a:sendall("\n"))
    assert.are.equal("c", st:read())
  end)

  it("on a non-blocking socket returns EAGAIN and keeps the data", function()
    st:settimeout(0)
    assert.are.equal(0, st:gettimeout())
    assert(a:sendall("ab"))
    local deadline = os.clock() + 2
    local r
    repeat r = { st:read(3) } until r[3] == lsock.errno.EAGAIN and st:buffered() == 2
      or os.clock() > deadline
    assert.are.equal(lsock.errno.EAGAIN, r[3])
    assert(a:sendall("c"))
    st:settimeout(1)
    assert.are.equal("abc", st:read(3))
  end)
end)

describe("end of stream", function()
  it("gives partial lines and counts, then nil, as io does", function()
    local r = S.streamreads("abc", 3, "l")
    assert.are.same({ "abc" }, { table.unpack(r[1], 1, r[1].n) })
    assert.are.equal(nil, r[2][1])
    r = S.streamreads("abc", 2, 10)
    assert.are.same({ "abc", nil }, { r[1][1], r[2][1] })
    r = S.streamreads("abc", 2, "a")
    assert.are.same({ "abc", "" }, { r[1][1], r[2][1] })
  end)

  it("ends lines() at the last line", function()
    local c, a = S.tcppair()
    assert(a:sendall("1\n2\n3"))
    a:close()
    local st <close> = stream.wrap(c)
    local got = {}
    for x, y in st:lines(1, "l") do got[#got + 1] = x .. "|" .. tostring(y) end
    assert.are.same({ "1|", "2|", "3|nil" }, got)
  end)
end)

describe("stream:readsome()", function()
  it("returns what is buffered, else what one recv brings, nil at the end", function()
    local c, a = S.tcppair()
    local st <close> = stream.wrap(c)
    finally(function() a:close() end)
    assert(a:sendall("hello\nworld"))
    assert.are.equal("hello", st:read("l"))
    assert.are.equal("wor", st:readsome(3))
    assert.are.equal("ld", st:readsome(100))
    a:shutdown("wr")
    assert.is_nil(st:readsome(10))
  end)
end)

describe("stream:write()", function()
  it("formats numbers as io.write does and returns the stream", function()
    local vals = { 1, 1.0, -0.0, 0.1, 1e100, 2 ^ 63, math.mininteger, 1 / 3, "s", 7 }
    local name = os.tmpname()
    local f = assert(io.open(name, "wb"))
    f:write(table.unpack(vals))
    f:close()
    f = assert(io.open(name, "rb"))
    local want = f:read("a")
    f:close()
    os.remove(name)
    local c, a = S.tcppair()
    local st = stream.wrap(c)
    assert.are.equal(st, st:write(table.unpack(vals)))
    assert.are.equal(st, st:write("x"):write(2))
    st:close()
    local got = {}
    repeat
      local d = a:recv(100)
      got[#got + 1] = d
    until d == ""
    a:close()
    assert.are.equal(want .. "x2", table.concat(got))
  end)

  it("raises on values io.write refuses", function()
    local c, a = S.tcppair()
    local st <close> = stream.wrap(c)
    finally(function() a:close() end)
    assert.has_error(function() st:write("a", {}) end,
      "bad argument #2 to 'write' (string expected, got table)")
    assert.has_error(function() st:write(nil) end,
      "bad argument #1 to 'write' (string expected, got nil)")
  end)

  it("buffers fully until flush, and keeps the order of writes", function()
    local c, a = S.tcppair(0.2)
    local st <close> = stream.wrap(c)
    finally(function() a:close() end)
    st:write("one ", 2, " three\n")
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { a:recv(100) })
    assert.is_true(st:flush())
    st:write("four\n")
    assert.is_true(st:flush())
    local got = ""
    while #got < 17 do got = got .. assert(a:recv(100)) end
    assert.are.equal("one 2 three\nfour\n", got)
  end)

  it("sends when the buffer fills, and on each newline in \"line\" mode", function()
    local c, a = S.tcppair(0.2)
    local st <close> = stream.wrap(c)
    finally(function() a:close() end)
    assert.is_true(st:setvbuf("full", 4))
    st:write("abc")
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { a:recv(100) })
    st:write("d")
    assert.are.equal("abcd", a:recv(100))
    assert.is_true(st:setvbuf("line"))
    st:write("no newline")
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { a:recv(100) })
    st:write(" now\n")
    assert.are.equal("no newline now\n", a:recv(100))
    assert.is_true(st:setvbuf("no"))
    st:write("x")
    assert.are.equal("x", a:recv(100))
    assert.has_error(function() st:setvbuf("some") end,
      "bad argument #1 to 'setvbuf' (invalid option 'some')")
  end)

  it("is flushed before a read waits, so request/response needs no flush", function()
    local c, a = S.tcppair(0.2)
    local st <close> = stream.wrap(c)
    finally(function() a:close() end)
    st:write("ping\n")
    assert.are.same({ nil, "timeout", ETIMEDOUT }, { st:read() })
    assert.are.equal("ping\n", a:recv(100))
    assert(a:sendall("pong\n"))
    assert.are.equal("pong", st:read())
  end)

  it("returns nil, msg, errno when the peer is gone, and keeps the data", function()
    local c, a = S.tcppair()
    local st <close> = stream.wrap(c)
    a:close()
    st:setvbuf("no")
    local r
    for _ = 1, 100 do
      r = { st:write(("x"):rep(65536)) }
      if r[1] == nil then break end
    end
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.is_true(r[3] == lsock.errno.EPIPE or r[3] == lsock.errno.ECONNRESET)
  end)
end)

describe("stream:close()", function()
  it("flushes, closes the socket, and is harmless twice", function()
    local c, a = S.tcppair()
    local st = stream.wrap(c)
    st:write("bye\n")
    assert.is_true(st:close())
    assert.is_true(st:close())
    assert.are.equal("lsock.stream (closed)", tostring(st))
    assert.has_error(function() c:fileno() end)
    local peer <close> = stream.wrap(a)
    assert.are.equal("bye", peer:read())
    assert.is_nil(peer:read())
    for _, m in ipairs({ "read", "write", "lines", "flush", "readsome", "setvbuf" }) do
      assert.has_error(function() st[m](st) end,
        ("bad argument #1 to '%s' (attempt to use a closed stream)"):format(m))
    end
  end)

  it("runs at the end of a <close> block", function()
    local c, a = S.tcppair()
    local peer <close> = stream.wrap(a)
    do
      local st <close> = stream.wrap(c)
      st:write("flushed by <close>\n")
      assert.matches("^lsock.stream %(lsock.socket%(inet stream", tostring(st))
    end
    assert.are.equal("flushed by <close>", peer:read())
    assert.is_nil(peer:read())
  end)

  it("ends an iterator from lines() with an error", function()
    local c, a = S.tcppair()
    local st = stream.wrap(c)
    finally(function() a:close() end)
    local it = st:lines()
    st:close()
    assert.has_error(it, "stream is already closed")
  end)
end)

describe("lsock.stream.wrap()", function()
  it("raises on what is not a socket or bad options", function()
    assert.has_error(function() stream.wrap(42) end,
      "bad argument #1 to 'wrap' (socket expected, got number)")
    local c, a = S.tcppair()
    finally(function() c:close(); a:close() end)
    assert.has_error(function() stream.wrap(c, { maxline = 0 }) end,
      "bad argument #2 to 'wrap' (option 'maxline' must be at least 1)")
    assert.has_error(function() stream.wrap(c, 1) end,
      "bad argument #2 to 'wrap' (table expected, got number)")
  end)

  it("works over a unix stream socketpair and hands out its descriptor", function()
    local a, b = assert(lsock.socketpair("unix", "stream"))
    local st <close> = stream.wrap(a)
    local peer <close> = stream.wrap(b)
    assert.are.equal(a:fileno(), st:fileno())
    assert.are.equal(a, st:socket())
    peer:write("x\r\n", 3.5, "\n"):flush()
    assert.are.same({ "x", 3.5 }, { st:read("l", "n") })
    assert.are.equal(1, st:buffered())
  end)

  it("is lsock.stream", function()
    assert.are.equal(stream, lsock.stream)
  end)
end)

describe("a stream over a coroutine-wrapped socket", function()
  -- What lsock.loop.wrap(sock) gives: the socket's blocking methods, each
  -- of which may yield.  Any other field the stream touched would raise.
  local ALLOWED = { recv = true, send = true, sendall = true, settimeout = true,
    gettimeout = true, close = true, fileno = true }

  local function yielding(sock, log)
    return setmetatable({}, {
      __index = function(_, k)
        if not ALLOWED[k] then error("stream used socket field " .. tostring(k), 2) end
        return function(_, ...)
          log[#log + 1] = k
          coroutine.yield(k)
          return sock[k](sock, ...)
        end
      end,
    })
  end

  local function run(fn)
    local co = coroutine.create(fn)
    local yields = 0
    while true do
      local ok, err = coroutine.resume(co)
      assert(ok, err)
      if coroutine.status(co) == "dead" then return yields end
      yields = yields + 1
      assert(yields < 100000)
    end
  end

  it("reads and writes only through those methods, yielding inside", function()
    local c, a = S.tcppair()
    assert(a:sendall("1\n2\n3\nfour\n12345 678 rest\n"))
    a:shutdown("wr")
    local log = {}
    local st = stream.wrap(yielding(c, log))
    local got = {}
    local yields = run(function()
      st:write("hello ", 42, "\n")
      assert.are.equal(st, st:write("more\n"))
      assert(st:flush())
      for line in st:lines() do
        got[#got + 1] = line
        if line == "3" then break end
      end
      got[#got + 1] = st:read("l")
      got[#got + 1] = st:read(5)
      got[#got + 1] = st:read("n")
      got[#got + 1] = st:readsome(100)
      assert(st:settimeout(2))
      got[#got + 1] = st:gettimeout()
      got[#got + 1] = st:read("a")
      assert(st:close())
    end)
    assert.are.same({ "1", "2", "3", "four", "12345", 678, " rest\n", 2, "" }, got)
    assert.is_true(yields >= 5)
    assert.are.same({ "sendall", "recv" }, { log[1], log[2] })
    assert.are.equal("close", log[#log])
    local peer <close> = stream.wrap(a)
    assert.are.same({ "hello 42", "more" }, { peer:read("l", "l") })
    assert.is_nil(peer:read())
  end)

  it("yields from the C fast path of read() and lines() when it must wait", function()
    local c, a = S.tcppair()
    local st = stream.wrap(yielding(c, {}))
    local peer <close> = stream.wrap(a)
    finally(function() c:close() end)
    local co = coroutine.wrap(function()
      local n = 0
      for line in st:lines() do
        n = n + 1
        coroutine.yield("line " .. line)
        if n == 2 then break end
      end
      return "read " .. st:read()
    end)
    assert.are.equal("recv", co())          -- waits inside the iterator
    assert(a:sendall("x\ny\n"))
    assert.are.equal("line x", co())
    assert.are.equal("line y", co())        -- from the buffer: no recv
    assert.are.equal("recv", co())          -- read() waits
    peer:write("z\n"):flush()
    assert.are.equal("read z", co())
  end)
end)

describe("a real peer", function()
  it("nc: a stream server answers lines nc sends", function()
    local l, port = S.listener()
    local input = S.tmpfile("alpha\nbeta\r\ngamma")
    local out = os.tmpname()
    local nc = S.spawn(S.ENV .. ("nc -N -w 5 127.0.0.1 %d < %s > %s"):format(port, input, out))
    finally(function() nc:kill(); l:close(); os.remove(input); os.remove(out) end)
    local c = assert(l:accept())
    local st <close> = stream.wrap(c)
    for line in st:lines() do st:write(line:upper(), "\n") end
    st:close()
    nc.out:read("a")
    local f = assert(io.open(out, "rb"))
    local got = f:read("a")
    f:close()
    assert.are.equal("ALPHA\nBETA\nGAMMA\n", got)
  end)

  it("socat: examples/line_client.lua gets one reply per line", function()
    local srv = S.spawn(S.ENV
      .. [[socat -d -d TCP-LISTEN:0,bind=127.0.0.1 EXEC:"stdbuf -oL tr a-z A-Z"]])
    finally(function() srv:kill() end)
    local port
    for _ = 1, 20 do
      local line = srv.out:read("l")
      port = line and line:match("listening on AF=2 127%.0%.0%.1:(%d+)")
      if port or not line then break end
    end
    assert.is_truthy(port, "socat did not say its port")
    local input = S.tmpfile("hello\nline server\n")
    finally(function() os.remove(input) end)
    local p = assert(io.popen(("lua5.4 examples/line_client.lua 127.0.0.1 %s < %s 2>&1")
      :format(port, input)))
    local got = p:read("a")
    p:close()
    assert.are.equal("HELLO\nLINE SERVER\n", got)
  end)

  it("nc -l: examples/line_client.lua sends its lines and prints the replies", function()
    local reply = S.tmpfile("PONG\nbye\n")
    local nc = S.spawn(S.ENV .. "nc -N -lv 127.0.0.1 0 < " .. reply)
    finally(function() nc:kill(); os.remove(reply) end)
    local port
    for _ = 1, 20 do
      local line = nc.out:read("l")
      port = line and line:match("Listening on %S+ (%d+)")
      if port or not line then break end
    end
    assert.is_truthy(port, "nc did not say its port")
    local input = S.tmpfile("ping\n")
    finally(function() os.remove(input) end)
    local p = assert(io.popen(("lua5.4 examples/line_client.lua 127.0.0.1 %s 5 < %s 2>&1")
      :format(port, input)))
    local got = p:read("a")
    p:close()
    assert.are.equal("PONG\nbye\n", got)
    local heard = {}
    for line in nc.out:lines() do heard[#heard + 1] = line end
    assert.are.same({ "ping" }, { heard[#heard] })
  end)
end)
