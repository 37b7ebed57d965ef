-- TLS connections over a `lsock.loop.wrap`ped socket (tls.wrap returns
-- one of these for such a socket): the C connection is non-blocking, and
-- each call that gives EAGAIN waits with `loop.wait` for what `want()`
-- names, so that inside a task the handshake and all I/O yield to the
-- loop (outside one they block, as loop.wait does).  The timeout is the
-- wrapper's, per call, as on loop-wrapped sockets.
-- Internal: made by lsock.tls.wrap.
local core = require "lsock.core"
local loop = require "lsock.loop"

local EAGAIN = core.errno.EAGAIN
local now = core.monotime

local Conn = {}
local CM = {}
Conn.__name = "lsock.tls.loopconnection"
-- The methods not redefined here are the C connection's.
Conn.__index = function(self, k)
  local m = CM[k]
  if m then return m end
  local c = rawget(self, "conn")
  local f = c[k]
  if type(f) ~= "function" then return f end
  return function(s, ...) return f(rawget(s, "conn"), ...) end
end
Conn.__tostring = function(self) return tostring(self.conn) end
Conn.__close = function(self) self.conn:close() end

-- Calls f(conn, ...) until it gives something other than EAGAIN, waiting
-- for the loop in between, all within the timeout.
local function drive(self, f, ...)
  local c = self.conn
  local dl = self.timeout and now() + self.timeout
  while true do
    local r, msg, code = f(c, ...)
    if r or code ~= EAGAIN then return r, msg, code end
    local ok, m2, c2 = loop.wait(self.sock, c:want(), dl and math.max(0, dl - now()))
    if not ok then return nil, m2, c2 end
  end
end

local cmeth = debug.getregistry()["lsock.tls.connection"].__index

function CM:handshake() return drive(self, cmeth.handshake) end
function CM:recv(n) return drive(self, cmeth.recv, n) end
function CM:send(data, i, j) return drive(self, cmeth.send, data, i, j) end
function CM:shutdown() return drive(self, cmeth.shutdown) end

function CM:sendall(data, i, j)
  local len = #data
  i = i or 1
  j = j or -1
  if i < 0 then i = math.max(len + i + 1, 1) elseif i == 0 then i = 1 end
  if j < 0 then j = len + j + 1 elseif j > len then j = len end
  local sent, dl = 0, self.timeout and now() + self.timeout
  while i + sent <= j do
    local n, msg, code = cmeth.send(self.conn, data, i + sent, j)
    if n then
      sent = sent + n
    elseif code ~= EAGAIN then
      return nil, msg, code, sent
    else
      local ok, m2, c2 = loop.wait(self.sock, self.conn:want(),
                                   dl and math.max(0, dl - now()))
      if not ok then return nil, m2, c2, sent end
    end
  end
  return sent
end

function CM:settimeout(t)
  if t ~= nil and (type(t) ~= "number" or t ~= t) then
    error("bad argument #1 to 'settimeout' (number or nil expected)", 2)
  end
  if t and (t < 0 or t == math.huge) then t = nil end
  self.conn:fileno()   -- raises on a closed connection
  self.timeout = t
  return true
end

function CM:gettimeout()
  self.conn:fileno()
  return self.timeout
end

return function(conn, sock, timeout)
  return setmetatable({ conn = conn, sock = sock, timeout = timeout }, Conn)
end
