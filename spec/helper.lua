-- Shared helpers for the lsock specs.
-- Descriptors are checked through /proc, time is read from /proc/uptime, and
-- peers (python3 scripts, the example programs) run as child processes whose
-- stdout is read line by line.  Every child runs under `timeout`, so a broken
-- library makes a spec fail in seconds instead of hanging, and every spec
-- that starts one cleans it up with `helper.defer` (busted's `finally`).
local lsock = require "lsock"

local M = { lsock = lsock, E = lsock.errno }

-- The interpreter used for Lua children (examples, second Lua peers).
M.LUA = os.getenv("LSOCK_LUA") or "lua5.4"
-- `make test-asan` preloads libasan; only Lua children (which load the
-- sanitizer build of lsock) may keep it.
M.CLEAN_ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS"
-- Seconds after which `timeout` kills a child that is still running.
M.CHILD_TIMEOUT = 30
-- A generous per-call timeout for sockets that should never wait long.
M.T = 5

M.loopback = { inet = "127.0.0.1", inet6 = "::1" }

---------------------------------------------------------------- cleanup

-- busted keeps only the last function given to `finally` in a test, so
-- clean-ups are collected here and all run, last first, when it ends.
local deferred = {}

local function run_deferred()
  local list, first_error = deferred, nil
  deferred = {}
  for i = #list, 1, -1 do
    local ok, err = pcall(list[i])
    if not ok and not first_error then first_error = err end
  end
  if first_error then error(first_error, 0) end
end

--- Runs `fn` when the current test ends, however it ends.  A spec passes
-- its `finally`: `local function defer(fn) helper.defer(finally, fn) end`.
function M.defer(finally, fn)
  deferred[#deferred + 1] = fn
  finally(run_deferred)
end

---------------------------------------------------------------- processes

local function selfpid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return math.tointeger(pid)
end
M.pid = selfpid()

--- Quotes a string for /bin/sh.
function M.quote(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end

--- The environment a child lua5.4 needs to load the same library (and,
-- under test-asan, the same sanitizer), as an `env` prefix for commands
-- run clean (`ip netns exec NS <prefix> lua5.4 ...`, `unshare`).
function M.luaenv()
  local parts = { "env" }
  for _, k in ipairs { "LUA_PATH", "LUA_CPATH", "LD_PRELOAD", "ASAN_OPTIONS",
                       "LSAN_OPTIONS", "UBSAN_OPTIONS" } do
    local v = os.getenv(k)
    if v then parts[#parts + 1] = k .. "=" .. M.quote(v) end
  end
  return table.concat(parts, " ")
end

--- Runs a shell command with the preloaded sanitizer removed, ignoring output.
function M.sh(cmd)
  return os.execute("exec " .. M.CLEAN_ENV .. " " .. cmd)
end

--- Runs a shell command (sanitizer preload removed) and returns its output.
function M.output(cmd)
  local p = assert(io.popen(M.CLEAN_ENV .. " " .. cmd))
  local out = p:read("a")
  p:close()
  return out
end

--- A forked child's exit: "exited"/"signaled", code; or "killed" when it
-- had not ended after `limit` seconds (default 5) and was killed.
function M.reap(pid, limit)
  local t0 = lsock.monotime()
  while lsock.monotime() - t0 < (limit or 5) do
    local got, how, code = lsock.wait(pid, "nohang")
    if got == pid then return how, code end
    lsock.sleep(0.01)
  end
  lsock.kill(pid, "KILL")
  lsock.wait(pid)
  return "killed"
end

--- Sleeps for `s` seconds (a fraction is fine).
function M.sleep(s)
  M.sh(("sleep %.3f"):format(s))
end

--- Wall-clock seconds with 10 ms resolution, for timeout tolerances.
function M.now()
  local f = assert(io.open("/proc/uptime"))
  local t = f:read("n")
  f:close()
  return t
end

local Proc = {}
Proc.__index = Proc

--- Starts `cmd` (a shell command line) in the background.
-- Its stdout is a pipe read with `p:line()` / `p:rest()`, its stderr goes to
-- a temporary file (`p:stderr()`), and its stdin is `input` (a string, fed
-- through a here-doc) or /dev/null.  `opts.clean` drops the sanitizer
-- environment for non-Lua programs; `opts.timeout` replaces CHILD_TIMEOUT.
function M.spawn(cmd, input, opts)
  opts = opts or {}
  local errfile = os.tmpname()
  local stdin = " </dev/null"
  if input then
    assert(not input:find("LSOCK_HEREDOC_EOF", 1, true))
    if input:sub(-1) ~= "\n" then input = input .. "\n" end
    stdin = " <<'LSOCK_HEREDOC_EOF'\n" .. input .. "LSOCK_HEREDOC_EOF\n"
  end
  -- `timeout` itself runs without the sanitizer; a Lua child gets it back.
  local keep = ""
  if not opts.clean then
    for _, name in ipairs { "LD_PRELOAD", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS" } do
      local value = os.getenv(name)
      if value and value ~= "" then keep = keep .. name .. "=" .. M.quote(value) .. " " end
    end
    if keep ~= "" then keep = "env " .. keep end
  end
  local line = ("echo $$; exec %s timeout -k 2 %d %s%s 2>%s%s"):format(
    M.CLEAN_ENV, opts.timeout or M.CHILD_TIMEOUT, keep, cmd, M.quote(errfile), stdin)
  local out = assert(io.popen(line, "r"))
  local p = setmetatable({ out = out, errfile = errfile, cmd = cmd }, Proc)
  p.pid = math.tointeger(tonumber(out:read("l")))
  assert(p.pid, "could not start: " .. cmd)
  return p
end

--- Starts a python3 script (given as text) with arguments.
function M.python(script, ...)
  local args = {}
  for i = 1, select("#", ...) do args[i] = M.quote((select(i, ...))) end
  return M.spawn("python3 -u - " .. table.concat(args, " "), script, { clean = true })
end

--- Starts `examples/<name>` under lua5.4 with arguments; `input` is its stdin.
function M.example(name, args, input)
  local q = {}
  for i, a in ipairs(args or {}) do q[i] = M.quote(a) end
  return M.spawn(("%s examples/%s %s"):format(M.LUA, name, table.concat(q, " ")), input)
end

--- Starts a Lua script (given as text) in a child lua5.4.
function M.lua(script)
  return M.spawn(M.LUA .. " -", script)
end

--- Reads one line of the child's stdout (nil at end of output).
function Proc:line()
  return self.out:read("l")
end

--- Reads the rest of the child's stdout.
function Proc:rest()
  return self.out:read("a")
end

--- Reads all of stdout and waits; returns output, exit code, and how it ended.
function Proc:finish()
  local out = self:rest()
  local code, how = self:wait()
  return out, code, how
end

--- Closes the pipe and waits for the child: returns its exit code and how
-- it ended ("exit" or "signal").
function Proc:wait()
  if not self.done then
    local _, how, code = self.out:close()
    self.done, self.how, self.code = true, how, code
  end
  return self.code, self.how
end

--- What the child wrote on stderr so far.
function Proc:stderr()
  local f = io.open(self.errfile, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

--- Kills the child if it still runs, reaps it and removes its temp file.
function Proc:cleanup()
  if not self.done then
    M.sh("kill -TERM " .. self.pid .. " 2>/dev/null")
    self:wait()
  end
  os.remove(self.errfile)
end

--- Waits for the child's first stdout line, which servers use for their
-- bound address, and returns it with the port found at its end.
function Proc:address()
  local line = self:line()
  assert(line, "no address line from `" .. self.cmd .. "`; stderr:\n" .. self:stderr())
  return line, math.tointeger(tonumber(line:match(":(%d+)$")))
end

--- Kills this process (busted) after `seconds`, unless cleaned up first:
-- a spec whose socket calls would block forever (a library with broken
-- timeouts) then fails the run instead of hanging it.  The message is
-- appended to busted's own output, after a line of padding that the
-- "Terminated" of busted's parent shell may overwrite.
function M.watchdog(seconds, what)
  local msg = ("watchdog: %s still running after %d s, killing busted"):format(what, seconds)
  local script = ("sleep %d; printf '%%s\\n%%s\\n' %s %s >>/proc/%d/fd/1; kill -TERM %d")
    :format(seconds, ("-"):rep(40), M.quote(msg), M.pid, M.pid)
  return M.spawn("sh -c " .. M.quote(script), nil, { clean = true, timeout = seconds + 10 })
end

---------------------------------------------------------------- descriptors

--- Whether descriptor `fd` is open in this process.  Opening
-- /proc/self/fd/N fails with ENXIO for an open socket, ENOENT for a closed
-- descriptor, and succeeds for files.
function M.fd_is_open(fd)
  local f, _, code = io.open("/proc/self/fd/" .. fd, "rb")
  if f then f:close() return true end
  return code ~= 2
end

--- Number of open socket descriptors of this process, from the links in
-- /proc/<pid>/fd.  Only sockets are counted: the pipe of the popen that
-- runs `ls` is itself in the listing, and only for part of the time.
function M.socket_count()
  local p = assert(io.popen("exec " .. M.CLEAN_ENV .. " ls -l /proc/" .. M.pid .. "/fd"))
  local n = 0
  for line in p:lines() do
    if line:find("-> socket:[", 1, true) then n = n + 1 end
  end
  p:close()
  return n
end

---------------------------------------------------------------- sockets

--- A connected TCP pair over loopback: client, accepted socket, listener,
-- each with a timeout of M.T seconds so a broken library fails fast.
function M.tcp_pair(family)
  family = family or "inet"
  local l = assert(lsock.socket(family, "stream"))
  assert(l:settimeout(M.T))
  assert(l:bind(M.loopback[family], 0))
  assert(l:listen())
  local c = assert(lsock.socket(family, "stream"))
  assert(c:settimeout(M.T))
  assert(c:connect(l:getsockname()))
  local a = assert(l:accept())
  assert(a:settimeout(M.T))
  return c, a, l
end

--- A UDP socket bound to the loopback address of `family`, port 0.
function M.udp(family)
  family = family or "inet"
  local s = assert(lsock.socket(family, "dgram"))
  assert(s:settimeout(M.T))
  assert(s:bind(M.loopback[family], 0))
  return s
end

--- Closes every socket given (nil entries skipped).
function M.close(...)
  for i = 1, select("#", ...) do
    local s = select(i, ...)
    if s then s:close() end
  end
end

--- Receives exactly `n` bytes from a stream socket (fewer if the peer shuts
-- down first); returns the data, or nil, msg, errno on an error.
function M.recv_exactly(s, n)
  local parts, got = {}, 0
  while got < n do
    local data, msg, err = s:recv(n - got)
    if not data then return nil, msg, err end
    if data == "" then break end
    parts[#parts + 1] = data
    got = got + #data
  end
  return table.concat(parts)
end

--- Receives until the peer shuts down (bounded by the socket's timeout).
function M.recv_all(s)
  local parts = {}
  while true do
    local data, msg, err = s:recv(65536)
    if not data then return nil, msg, err end
    if data == "" then return table.concat(parts) end
    parts[#parts + 1] = data
  end
end

--- A fresh name for a unix socket in the temp directory, and a function
-- that removes it (and the placeholder file reserving the name).
function M.tmppath(suffix)
  local base = os.tmpname()
  local path = base .. (suffix or ".sock")
  return path, function()
    os.remove(path)
    os.remove(base)
  end
end

--- A fresh abstract-namespace name ("\0..."), unique to this process.
local abstract_seq = 0
function M.abstract_name()
  abstract_seq = abstract_seq + 1
  return ("\0lsock-spec-%d-%d"):format(M.pid, abstract_seq)
end

return M
