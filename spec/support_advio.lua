-- Shared helpers for the advanced I/O specs (msg, mmsg, oob, raw,
-- seqpacket, sendfile, sigio, examples).
local lsock = require "lsock"

local M = {}

--- Whether descriptor fd of this process is open.
function M.isopen(fd)
  local f = io.open("/proc/self/fdinfo/" .. fd)
  if f then f:close() end
  return f ~= nil
end

local mypid
--- This process's pid (from /proc/self/stat, read once).
function M.pid()
  if not mypid then
    local f = assert(io.open("/proc/self/stat"))
    mypid = tonumber(f:read("l"):match("^(%d+)"))
    f:close()
  end
  return mypid
end

--- The number of open descriptors below 1024 (enough for the specs).
function M.fdcount()
  local n = 0
  for fd = 0, 1023 do
    if M.isopen(fd) then n = n + 1 end
  end
  return n
end

--- The open flags of descriptor fd (octal text of /proc/self/fdinfo).
function M.fdflags(fd)
  local f = assert(io.open("/proc/self/fdinfo/" .. fd))
  local flags = f:read("a"):match("flags:%s*(%d+)")
  f:close()
  return tonumber(flags, 8)
end

--- The line of /proc/self/status for key (e.g. "SigBlk") as an integer.
function M.status(key)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. key .. ":%s*(%x+)")
    if v then return tonumber(v, 16) end
  end
end

--- A connected TCP pair over 127.0.0.1: client, server side; both
-- with a 5 s timeout so that a broken library fails instead of hanging.
function M.tcppair()
  local l = assert(lsock.socket("inet", "stream"))
  assert(l:bind("127.0.0.1", 0))
  assert(l:listen(1))
  local c = assert(lsock.socket("inet", "stream"))
  c:settimeout(5)
  assert(c:connect(l:getsockname()))
  l:settimeout(5)
  local s = assert(l:accept())
  l:close()
  s:settimeout(5)
  return c, s
end

--- A UDP socket bound to host (default 127.0.0.1), port 0, 5 s timeout.
function M.udp(host, family)
  local s = assert(lsock.socket(family or "inet", "dgram"))
  assert(s:bind(host or "127.0.0.1", 0))
  s:settimeout(5)
  return s
end

--- A temporary file name; remove it yourself (in finally).
function M.tmpname()
  return os.tmpname()
end

--- Write a file.
function M.writefile(name, data)
  local f = assert(io.open(name, "wb"))
  f:write(data)
  f:close()
end

--- Read a whole file.
function M.readfile(name)
  local f = assert(io.open(name, "rb"))
  local d = f:read("a")
  f:close()
  return d
end

--- Prefix for commands that are not Lua (no libasan preloaded).
M.noasan = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS "

--- Run a python3 script (text) with arguments; returns ok, output.
function M.python(script, ...)
  local name = os.tmpname()
  M.writefile(name, script)
  local args = {}
  for i = 1, select("#", ...) do args[i] = ("%q"):format(tostring(select(i, ...))) end
  local p = io.popen(M.noasan .. "timeout 20 python3 " .. name .. " "
                     .. table.concat(args, " ") .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  os.remove(name)
  return ok, out
end

--- A shell command that runs lua5.4 with args, bounded to secs seconds:
-- the shell tools around it run without the sanitizer, Lua with it.
function M.luacmd(args, secs)
  return ("%stimeout %d %s lua5.4 %s"):format(M.noasan, secs or 30, M.luaenv(), args)
end

--- Run a Lua example with arguments, bounded to 'secs' seconds;
-- returns ok, output (stdout and stderr).
function M.example(name, args, secs)
  local p = io.popen(M.luacmd("examples/" .. name .. " " .. (args or ""), secs) .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

--- The environment prefix of a child lua5.4 (spec/helper.lua's).
M.luaenv = require("helper").luaenv

--- Run a shell command without the sanitizer preloaded; returns ok, output.
function M.sh(cmd)
  local p = io.popen(M.noasan .. "sh -c " .. ("%q"):format(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

--- The first ancillary item with this level and type, or nil.
function M.find(anc, level, type)
  for _, item in ipairs(anc) do
    if item[1] == level and item[2] == type then return item[3] end
  end
end

return M
