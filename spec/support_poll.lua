-- Helpers for the select/poller/loop/server specs: child processes that
-- print their address first, loopback clients, and /proc probes.
local lsock = require "lsock"

local M = {}

-- Non-Lua peers must not inherit the sanitizer preload of test-asan.
M.ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS"

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = quote

-- Start `sh -c script` in the background, stdout read through a pipe,
-- stderr to a temporary file.  Returns {pid=, out=, errfile=}; the first
-- line the child prints is its pid (the shell's, kept by exec).
function M.spawn(script)
  local errfile = os.tmpname()
  local out = assert(io.popen("exec sh -c " .. quote("echo $$; exec 2>" .. errfile
    .. "; " .. script), "r"))
  local pid = assert(math.tointeger(tonumber(out:read("l"))), "no pid")
  return { pid = pid, out = out, errfile = errfile }
end

-- A Lua program run by lua5.4 in a child (args already quoted).
function M.lua(code_or_file, args, prefix)
  local cmd
  if code_or_file:match("%.lua$") then
    cmd = "exec lua5.4 " .. code_or_file
  else
    cmd = "exec lua5.4 -e " .. quote(code_or_file)
  end
  return M.spawn((prefix or "") .. cmd .. " " .. (args or ""))
end

function M.stderr(child)
  local f = io.open(child.errfile)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- Stop a child (if still running) and reap it; returns its stderr.
function M.stop(child)
  if child.pid then
    os.execute("kill " .. child.pid .. " 2>/dev/null")
    child.out:close()
    child.pid = nil
  end
  local err = M.stderr(child)
  os.remove(child.errfile)
  return err
end

-- Read the child's next stdout line (the examples print their bound
-- address first); parses "host:port" into a sockaddr.
function M.readaddr(child)
  local line = child.out:read("l")
  assert(line, "child printed nothing: " .. M.stderr(child))
  local host, port = line:match("^(.*):(%d+)$")
  assert(host, "not an address: " .. line)
  return lsock.addr(host:gsub("^%[(.*)%]$", "%1"), tonumber(port)), line
end

-- A connected TCP client with a timeout, so a broken server fails fast.
function M.connect(addr, timeout)
  local family = addr.family
  local c = assert(lsock.socket(family, "stream"))
  c:settimeout(timeout or 5)
  local ok, msg = c:connect(addr)
  assert(ok, msg)
  return c
end

-- Receive exactly n bytes (or fewer at the end), within the timeout.
function M.recvn(sock, n)
  local parts, got = {}, 0
  while got < n do
    local d, msg = sock:recv(n - got)
    if not d then return nil, msg end
    if d == "" then break end
    parts[#parts + 1] = d
    got = got + #d
  end
  return table.concat(parts)
end

-- Receive up to and including the next newline.
function M.recvline(sock)
  local parts = {}
  while true do
    local d, msg = sock:recv(1)
    if not d then return nil, msg end
    if d == "" then return nil, "closed" end
    if d == "\n" then return table.concat(parts) end
    parts[#parts + 1] = d
  end
end

-- Zombie children of pid, from /proc (state Z, ppid pid).
function M.zombies(pid)
  local n = 0
  local ls = io.popen("ls /proc")
  for name in ls:lines() do
    if name:match("^%d+$") then
      local f = io.open("/proc/" .. name .. "/stat")
      local stat = f and f:read("a")
      if f then f:close() end
      -- "pid (comm) state ppid ...": comm may hold spaces, so split
      -- after its closing parenthesis.
      local state, ppid
      if stat then state, ppid = stat:match("%) (%a) (%d+)") end
      if state == "Z" and tonumber(ppid) == pid then n = n + 1 end
    end
  end
  ls:close()
  return n
end

-- CPU time (user + system, in seconds) the process has used so far.
function M.cputime(pid)
  local f = assert(io.open("/proc/" .. pid .. "/stat"))
  local stat = f:read("a")
  f:close()
  local rest = stat:match("%) (.*)$")
  local fields = {}
  for x in rest:gmatch("%S+") do fields[#fields + 1] = x end
  -- after the comm: state is field 3, utime 14, stime 15 (1-based, man 5 proc)
  return (tonumber(fields[12]) + tonumber(fields[13])) / 100
end

-- This process's pid (io.open runs in this process, unlike a popen).
function M.mypid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return math.tointeger(pid)
end

-- Open descriptors of this process, and whether fd is one of them.
local function countfds()
  local n = 0
  local ls = io.popen("ls /proc/" .. M.mypid() .. "/fd")
  for _ in ls:lines() do n = n + 1 end
  ls:close()
  return n
end

-- The number of open descriptors, once it holds still: a lookup still
-- running on a worker thread of the loop's pool (csrc/gaipool.c) may have
-- a file or a resolver socket open for a moment.  A leak holds still, so
-- it is still seen; two equal readings 50 ms apart, at most 20 tries.
function M.nfds()
  local n = countfds()
  for _ = 1, 20 do
    lsock.sleep(0.05)
    local again = countfds()
    if again == n then return n end
    n = again
  end
  return n
end

function M.isopenfd(fd)
  return os.execute("test -L /proc/" .. M.mypid() .. "/fd/" .. fd) == true
end

return M
