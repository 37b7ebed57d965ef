--- lsock.stream: a buffered reader/writer over a stream socket, read with
-- Lua's io formats.
--
-- A stream owns a read buffer and a write buffer and talks to its socket
-- only through `recv`, `send`, `sendall`, `settimeout`, `gettimeout`,
-- `close` and `fileno`, so it works as well over a coroutine-wrapped socket
-- (`lsock.loop.wrap`) whose calls yield, as over a plain one.
--
-- One rule makes timeouts safe: a `read` either completes or consumes
-- nothing.  When the socket times out (or fails) in the middle of a read,
-- every byte received so far stays in the buffer for the next read.
-- @usage local st = lsock.stream.wrap(assert(lsock.tcp.connect("localhost", 80)))
-- @module lsock.stream
local core = require "lsock.core"

local M = {}
local cstream = core._stream
-- A plain socket's recv and sendall, which yield inside a loop task.
local wait = require "lsock.waitfor"

local byte, find, format, sub = string.byte, string.find, string.format, string.sub
local concat, mathtype, select, type = table.concat, math.type, select, type

local MAXLINE = 64 * 1024      -- default opts.maxline
local RECVSIZE = 64 * 1024     -- bytes asked of each recv
local VBUFSIZE = 8192          -- default write buffer (setvbuf "full")
local MAXLENNUM = 200          -- longest numeral read by "n", as liolib

local Stream = {}
Stream.__index = Stream
Stream.__name = "lsock.stream"


-- The read buffer ------------------------------------------------------
-- A C userdata (csrc/stream.c): buf:append(data), buf:len(),
-- buf:line(chop) (the next whole line, false if more is needed, nil if it
-- passes maxline), buf:take(n), buf:peek(i) (a byte), and buf:setmark(),
-- buf:unmark(), buf:rewind() to undo a read that failed.  The stream keeps
-- it in self.buf and, for the C fast paths of read() and lines(), in
-- self[1] (false once closed).

-- Helpers ------------------------------------------------------------------

local function checkopen(self, fname)
  if self.closed then
    error(format("bad argument #1 to '%s' (attempt to use a closed stream)", fname), 3)
  end
end

-- Send what write() buffered; on failure keep what was not sent.
local function flushw(self)
  local n = self.wn
  if n == 0 then return true end
  local wbuf = self.wbuf
  local data = n == 1 and wbuf[1] or concat(wbuf, "", 1, n)
  for i = 2, n do wbuf[i] = nil end
  wbuf[1], self.wn, self.wlen = nil, 0, 0
  local sock = self.sock
  local ok, err, code, sent
  if self.plain then ok, err, code, sent = wait.sendall(sock, data)
  else ok, err, code, sent = sock:sendall(data) end
  if not ok then
    local rest = sub(data, (sent or 0) + 1)
    if #rest > 0 then wbuf[1], self.wn, self.wlen = rest, 1, #rest end
    return nil, err, code
  end
  return true
end

-- One recv into the buffer: true, false at end of stream, or nil, msg,
-- errno.  Output is flushed first: the peer may be waiting for it.
local function fill(self)
  if self.eof then return false end
  if self.wn > 0 then
    local ok, err, code = flushw(self)
    if not ok then return nil, err, code end
  end
  local data, err, code
  if self.plain then data, err, code = wait.recv(self.sock, self.recvsize)
  else data, err, code = self.sock:recv(self.recvsize) end
  if not data then return nil, err, code end
  if data == "" then
    self.eof = true
    return false
  end
  self.buf:append(data)
  return true
end

-- Formats: each returns the value, or nil at end of stream (the io
-- "fail"), or nil, msg, errno when the socket failed.

local function readline(self, chop)
  local buf = self.buf
  while true do
    local line = buf:line(chop)
    if line then return line end
    if line == nil then return nil, "line too long" end
    local ok, err, code = fill(self)
    if not ok then
      if ok == nil then return nil, err, code end
      local n = buf:len()
      if n == 0 then return nil end
      if n > self.maxline then return nil, "line too long" end
      return buf:take(n)
    end
  end
end

-- A count of 0 tests for end of stream, as io does.
local function readcount(self, n)
  local buf, want = self.buf, n > 0 and n or 1
  while buf:len() < want do
    local ok, err, code = fill(self)
    if not ok then
      if ok == nil then return nil, err, code end
      break
    end
  end
  if buf:len() == 0 then return nil end
  return buf:take(n)
end

local function readall(self)
  while true do
    local ok, err, code = fill(self)
    if not ok then
      if ok == nil then return nil, err, code end
      return self.buf:take(self.buf:len())
    end
  end
end

-- Byte i of the unread data, receiving more if needed: the byte, false at
-- end of stream, or nil, msg, errno.
local function peekc(self, i)
  local buf = self.buf
  while buf:len() < i do
    local ok, err, code = fill(self)
    if not ok then return ok, err, code end
  end
  return buf:peek(i)
end

local function isspace(c)
  return c == 32 or (c >= 9 and c <= 13)
end

local function isdigit(c, hex)
  if c >= 48 and c <= 57 then return true end
  return hex and ((c >= 65 and c <= 70) or (c >= 97 and c <= 102))
end

-- "n": liolib's l_getn over the buffer.  It reads at most 200 characters
-- of something shaped like a numeral, leaves the first character that
-- does not fit unread, and fails if the text is not a number.
local function readnumber(self)
  local i, n, overflow = 1, 0, false
  local c, err, code
  local function nextc()   -- accept c, look at the next one
    if n >= MAXLENNUM then overflow = true return false end
    n, i = n + 1, i + 1
    c, err, code = peekc(self, i)
    return true
  end
  local function test2(a, b)
    if c and (c == a or c == b) then return nextc() end
    return false
  end
  local function digits(hex)
    local count = 0
    while c and isdigit(c, hex) and nextc() do count = count + 1 end
    return count
  end
  repeat
    c, err, code = peekc(self, i)
    if c and isspace(c) then
      self.buf:take(1)   -- spaces are consumed, as by io
    end
  until not (c and isspace(c))
  local count, hex = 0, false
  test2(45, 43)                       -- "-+"
  if test2(48, 48) then               -- "0"
    if test2(120, 88) then hex = true else count = 1 end
  end
  count = count + digits(hex)
  if test2(46, 46) then count = count + digits(hex) end   -- "."
  if count > 0 and (hex and test2(112, 80) or not hex and test2(101, 69)) then
    test2(45, 43)
    digits(false)
  end
  if c == nil and err then return nil, err, code end
  local text = self.buf:take(n)
  if overflow then return nil end
  return tonumber(text)
end

-- A format as one of "l" "L" "a" "n" or a count, or raise as io does.
local READERS = { l = true, L = true, a = true, n = true }
local function checkformat(f, argn)
  if mathtype(f) then
    local n = math.tointeger(f)
    if not n then
      error(format("bad argument #%d to 'read' (number has no integer representation)", argn), 4)
    elseif n < 0 then
      error(format("bad argument #%d to 'read' (negative count)", argn), 4)
    end
    return n
  end
  if type(f) ~= "string" then
    error(format("bad argument #%d to 'read' (string expected, got %s)", argn,
      f == nil and "nil" or type(f)), 4)
  end
  if byte(f) == 42 then f = sub(f, 2) end   -- "*l" as in Lua 5.1-5.3
  local k = sub(f, 1, 1)
  if not READERS[k] then error(format("bad argument #%d to 'read' (invalid format)", argn), 4) end
  return k
end

local function readformat(self, f)
  if f == "l" then return readline(self, true)
  elseif f == "L" then return readline(self, false)
  elseif f == "a" then return readall(self)
  elseif f == "n" then return readnumber(self)
  end
  return readcount(self, f)
end

--- Read by Lua io formats: `"l"` (line without its LF or CRLF, the
-- default), `"L"` (line with it), `"a"` (all until the peer shuts down),
-- `"n"` (a numeral), or a count (up to n bytes; fewer only at end of
-- stream).  Formats may start with "*" as in older Lua.
-- @function stream:read
-- @param ... formats
-- @return one value per format; nil for the first that meets end of
-- stream (and no more), as io does.  `nil, "line too long"` when a line
-- passes `maxline`; `nil, msg, errno` (`nil, "timeout", ETIMEDOUT`) when
-- the socket fails: then this read consumed nothing, all data stays
-- buffered.  Bad formats raise before anything is read.
-- @usage local line = st:read("l"); local n, rest = st:read("n", "a")
local function luaread(self, ...)
  checkopen(self, "read")
  local nf = select("#", ...)
  if nf == 0 then return readline(self, true) end
  local buf = self.buf
  if nf == 1 then
    local f = checkformat(..., 1)
    if f == "l" then return readline(self, true) end
    buf:setmark()
    local v, err, code = readformat(self, f)
    if v == nil and err then
      buf:rewind()
      return nil, err, code
    end
    buf:unmark()
    return v
  end
  local out = {}
  for i = 1, nf do out[i] = checkformat((select(i, ...)), i) end
  buf:setmark()
  for i = 1, nf do
    local v, err, code = readformat(self, out[i])
    if v == nil then
      if err then
        buf:rewind()
        return nil, err, code
      end
      buf:unmark()
      out[i] = nil
      return table.unpack(out, 1, i)
    end
    out[i] = v
  end
  buf:unmark()
  return table.unpack(out, 1, nf)
end
Stream.read = cstream.reader(luaread)

--- An iterator over reads with the given formats (default `"l"`), for
-- `for line in st:lines() do`.  It ends at end of stream and raises the
-- message of a failure (timeout, "line too long"), as io.lines does; the
-- data stays buffered.
-- @param ... formats, as for `read` (default `"l"`)
-- @treturn function an iterator returning what `read(...)` returns
-- @usage for line in st:lines() do print(line) end
function Stream:lines(...)
  checkopen(self, "lines")
  local nf = select("#", ...)
  if nf == 0 then
    return cstream.lines(self, function()
      if self.closed then error("stream is already closed", 2) end
      local line, err = readline(self, true)
      if line == nil and err then error(err, 0) end
      return line
    end)
  end
  local fmts = table.pack(...)
  return function()
    if self.closed then error("stream is already closed", 2) end
    local r = table.pack(self:read(table.unpack(fmts, 1, nf)))
    if r[1] == nil and r.n > 1 and r[2] then error(r[2], 0) end
    return table.unpack(r, 1, r.n)
  end
end

--- Whatever is buffered, or else what one recv brings: at most n bytes
-- (default: the recv size).
-- @tparam[opt] integer n the most bytes to return
-- @return data; nil at end of stream; nil, msg, errno on failure.
-- @usage local chunk = st:readsome(4096)
function Stream:readsome(n)
  checkopen(self, "readsome")
  if n == nil then n = self.recvsize end
  if mathtype(n) ~= "integer" or n < 0 then
    error("bad argument #1 to 'readsome' (non-negative integer expected)", 2)
  end
  local buf = self.buf
  if buf:len() == 0 then
    local ok, err, code = fill(self)
    if ok == nil then return nil, err, code end
    if not ok then return nil end
  end
  return buf:take(n)
end

--- Buffer strings and numbers (numbers formatted as io.write does) and
-- send them by the buffering mode (see setvbuf).
-- @param ... strings and numbers
-- @return the stream; nil, msg, errno if sending failed (the unsent data
-- stays buffered).
-- @usage st:write("HTTP/1.0 200 OK\r\n", "Content-Length: ", #body, "\r\n\r\n", body)
function Stream:write(...)
  checkopen(self, "write")
  local wbuf, wn, wlen, nl = self.wbuf, self.wn, self.wlen, false
  for i = 1, select("#", ...) do
    local v = (select(i, ...))
    local t = mathtype(v)
    if t == "integer" then v = format("%d", v)
    elseif t == "float" then v = format("%.14g", v)
    elseif type(v) ~= "string" then
      error(format("bad argument #%d to 'write' (string expected, got %s)", i,
        v == nil and "nil" or type(v)), 2)
    end
    wn, wlen = wn + 1, wlen + #v
    wbuf[wn] = v
    if not nl and self.vmode == "line" and find(v, "\n", 1, true) then nl = true end
  end
  self.wn, self.wlen = wn, wlen
  if self.vmode == "no" or nl or wlen >= self.vsize then
    local ok, err, code = flushw(self)
    if not ok then return nil, err, code end
  end
  return self
end

--- Send what write buffered.
-- @return true, or nil, msg, errno (the unsent data stays buffered)
-- @usage st:flush()
function Stream:flush()
  checkopen(self, "flush")
  return flushw(self)
end

--- Set the write buffering: `"no"` (each write is sent at once), `"full"`
-- (sent when `size` bytes are buffered, by flush, or before a read waits
-- for the socket) or `"line"` (also after each write holding a newline).
-- @tparam string mode `"no"`, `"full"` or `"line"`
-- @tparam[opt] integer size the buffer size (default 8192)
-- @return true, or nil, msg, errno if flushing failed
-- @usage st:setvbuf("line")
function Stream:setvbuf(mode, size)
  checkopen(self, "setvbuf")
  if mode ~= "no" and mode ~= "full" and mode ~= "line" then
    error(format("bad argument #1 to 'setvbuf' (invalid option '%s')", tostring(mode)), 2)
  end
  if size ~= nil and (mathtype(size) ~= "integer" or size < 0) then
    error("bad argument #2 to 'setvbuf' (non-negative integer expected)", 2)
  end
  self.vmode, self.vsize = mode, size or VBUFSIZE
  if mode == "no" or self.wlen >= self.vsize then return flushw(self) end
  return true
end

--- Flush and close the socket.  Closing twice is harmless.
-- @return true, or nil, msg, errno if the flush failed (the socket is
-- closed all the same)
-- @usage st:close()
function Stream:close()
  if self.closed then return true end
  local ok, err, code = flushw(self)
  self.closed, self[1] = true, false
  self.sock:close()
  if not ok then return nil, err, code end
  return true
end

Stream.__close = Stream.close

--- Bytes received and not yet read: a reader that waits with select()
-- must read these first, the socket will not show them as readable.
-- @treturn integer bytes
-- @usage if st:buffered() == 0 then lsock.select({st}, {}, 1) end
function Stream:buffered()
  return self.buf:len()
end

--- Whether bytes are buffered and not yet read (LuaSocket's `dirty`):
-- `lsock.select` and pollers call it and report the stream readable at
-- once, since its socket will not show those bytes.  Bytes the wrapped
-- object holds (a TLS connection's `dirty()`) count too.
-- @treturn boolean
-- @usage local r = lsock.select({st}, {}, 1) -- ready if st:dirty()
function Stream:dirty()
  if self.closed then return false end
  if self.buf:len() > 0 then return true end
  -- A TLS connection underneath may hold records read from the socket.
  local d = not self.plain and self.sock.dirty
  return type(d) == "function" and d(self.sock) == true
end

--- The wrapped socket.
-- @treturn socket (or whatever object was wrapped)
-- @usage print(st:socket():getpeername())
function Stream:socket()
  return self.sock
end

--- The socket's descriptor, so that select() and pollers take streams.
-- @treturn integer fd
-- @usage local r = lsock.select({st:fileno()}, {}, 1)
function Stream:fileno()
  checkopen(self, "fileno")
  return self.sock:fileno()
end

--- Set the socket's timeout, which bounds each wait for data.
-- @tparam[opt] number t seconds, as socket:settimeout
-- @treturn boolean true
-- @usage st:settimeout(5)
function Stream:settimeout(t)
  checkopen(self, "settimeout")
  return self.sock:settimeout(t)
end

--- The socket's timeout.
-- @treturn number|nil seconds, or nil when blocking
-- @usage local t = st:gettimeout()
function Stream:gettimeout()
  checkopen(self, "gettimeout")
  return self.sock:gettimeout()
end

function Stream:__tostring()
  if self.closed then return "lsock.stream (closed)" end
  return "lsock.stream (" .. tostring(self.sock) .. ")"
end


-- Module functions ---------------------------------------------------------

local util = require "lsock.util"

-- Both sizes are handed to C calls that take at most INT_MAX bytes.
local SIZE = { "integer", min = 1, max = util.MAXSIZE }
local WRAP_OPTS = { maxline = SIZE, bufsize = SIZE }

-- The socket type of an lsock socket (plain or loop-wrapped); nil for
-- other objects, which the stream only asks for recv, send, ... (the
-- methods listed at the top).
local KNOWN = { ["lsock.socket"] = true, ["lsock.loop.socket"] = true }
local function socktype(sock)
  local mt = getmetatable(sock)
  if type(mt) ~= "table" or not KNOWN[mt.__name] then return nil end
  return sock:type()
end

--- Wrap a connected stream socket (or any object with its recv, sendall,
-- close methods, such as `lsock.loop.wrap(sock)`).
-- @param sock the socket; the stream owns it from now on
-- A socket whose `type()` is not `"stream"` (dgram, seqpacket) raises.
-- @tparam[opt] table opts `maxline` (longest line `read("l")` accepts,
-- default 65536), `bufsize` (bytes asked of each recv, default 65536),
-- each an integer from 1 to 2^31 - 1; any other key raises
-- @return the stream
-- @usage local st = lsock.stream.wrap(assert(lsock.tcp.connect("localhost", 80)))
function M.wrap(sock, opts)
  local t = type(sock)
  if (t ~= "userdata" and t ~= "table") or sock.recv == nil then
    error(format("bad argument #1 to 'wrap' (socket expected, got %s)", t), 2)
  end
  local st = socktype(sock)
  if st ~= nil and st ~= "stream" then
    error(format("bad argument #1 to 'wrap' (stream socket expected, got %s)",
                 tostring(st)), 2)
  end
  opts = util.checkopts(opts, WRAP_OPTS, 2, "wrap")
  local maxline = opts.maxline or MAXLINE
  local buf = cstream.buffer(maxline)
  return setmetatable({
    buf,
    read = Stream.read,   -- in the object: saves the metatable hop per line
    sock = sock,
    plain = st ~= nil and getmetatable(sock).__name == "lsock.socket",
    buf = buf,
    eof = false,
    closed = false,
    maxline = maxline,
    recvsize = opts.bufsize or RECVSIZE,
    wbuf = {}, wn = 0, wlen = 0,
    vmode = "full", vsize = VBUFSIZE,
  }, Stream)
end

return M
