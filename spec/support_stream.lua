-- Helpers for spec/stream_spec.lua: connected TCP pairs, child peers
-- (python3, socat, nc) with their pid, and Lua's own io reading the same
-- bytes from a file, so that stream reads can be compared with io's.
local lsock = require "lsock"

local S = {}

-- Non-Lua peers must not inherit the sanitizer preload of make test-asan.
S.ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS "

--- A listening TCP socket on 127.0.0.1 and its port.
function S.listener()
  local l = assert(lsock.socket("inet", "stream"))
  assert(l:setsockopt("socket", "reuseaddr", true))
  assert(l:bind("127.0.0.1", 0))
  assert(l:listen(8))
  assert(l:settimeout(10))
  return l, l:getsockname().port
end

--- Two connected TCP sockets (client, server side), each with a timeout.
function S.tcppair(timeout)
  local l, port = S.listener()
  local c = assert(lsock.socket("inet", "stream"))
  assert(c:settimeout(timeout or 5))
  assert(c:connect("127.0.0.1", port))
  local a = assert(l:accept())
  assert(a:settimeout(timeout or 5))
  l:close()
  return c, a
end

--- Start `cmd` under sh with stdout and stderr read through p.out; the
-- first line is the pid, so that p:kill() ends exactly this child.
function S.spawn(cmd)
  local out = assert(io.popen("exec 2>&1; echo $$; exec " .. cmd, "r"))
  local pid = assert(tonumber(out:read("l")), "no pid from spawned command")
  local p = { pid = pid, out = out }
  function p:kill()
    if self.out then
      os.execute("kill " .. self.pid .. " 2>/dev/null")
      self.out:close()
      self.out = nil
    end
  end
  return p
end

--- s quoted for sh.
function S.shquote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Run a python3 program with arguments as a peer.
function S.python(code, ...)
  local args = {}
  for i, a in ipairs({ ... }) do args[i] = S.shquote(a) end
  return S.spawn(S.ENV .. "python3 -c " .. S.shquote(code) .. " " .. table.concat(args, " "))
end

--- Bytes as hex digits (for python's bytes.fromhex).
function S.hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

--- A temporary file holding data.
function S.tmpfile(data)
  local name = os.tmpname()
  local f = assert(io.open(name, "wb"))
  f:write(data)
  f:close()
  return name
end

--- What `rounds` successive f:read(...) return on a file holding data:
-- an array of table.pack results.
function S.ioreads(data, rounds, ...)
  local name = S.tmpfile(data)
  local f = assert(io.open(name, "rb"))
  local out = {}
  for i = 1, rounds do out[i] = table.pack(f:read(...)) end
  f:close()
  os.remove(name)
  return out
end

--- The same through a stream whose peer sent data and shut down.
function S.streamreads(data, rounds, ...)
  local stream = require "lsock.stream"
  local c, a = S.tcppair()
  assert(a:sendall(data))
  a:close()
  local st <close> = stream.wrap(c)
  local out = {}
  for i = 1, rounds do out[i] = table.pack(st:read(...)) end
  return out
end

return S
