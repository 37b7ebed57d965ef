-- Helpers for the name-service, tcp/udp/unix helper and example specs:
-- child processes (python3 peers, examples) that always end, because each
-- runs under timeout(1), and temporary files removed by the caller.
local M = {}

-- Every child is killed after this many seconds, whatever happens.
M.LIMIT = 15

-- Non-Lua peers must not inherit the ASan preload of `make test-asan`.
local NOASAN = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS "

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = quote

-- A python3 script in a temporary file; returns the command that runs it
-- with args, and the file name (to remove in finally).
function M.python(code, ...)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(code)
  f:close()
  local cmd = NOASAN .. "timeout " .. M.LIMIT .. " python3 " .. name
  for _, a in ipairs({ ... }) do cmd = cmd .. " " .. quote(a) end
  return cmd, name
end

-- The command running an example with lua5.4 (LUA_PATH/LUA_CPATH come
-- from spec/run.sh), stderr merged into stdout.
function M.example(name, ...)
  local cmd = "timeout " .. M.LIMIT .. " lua5.4 examples/" .. name
  for _, a in ipairs({ ... }) do cmd = cmd .. " " .. quote(a) end
  return cmd .. " 2>&1"
end

-- Runs cmd to its end: output, and whether it exited 0, and exit code.
function M.run(cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok == true, code
end

-- Starts cmd in the background, reading its stdout; returns the handle
-- and its first line (a server's bound address or port).
function M.spawn(cmd)
  local p = assert(io.popen(cmd, "r"))
  return p, p:read("l")
end

-- The port at the end of "[::]:4242", "0.0.0.0:4242" or "4242".
function M.port(line)
  return tonumber(tostring(line):match("(%d+)%s*$"))
end

-- A listener on host that takes no connection: its backlog of 0 is
-- filled, so further SYNs are dropped and connects to it stay pending.
-- Returns the listener, its port, and the sockets that fill it.
function M.blackhole(lsock, host)
  local family = host:find(":") and "inet6" or "inet"
  local l = assert(lsock.socket(family, "stream"))
  assert(l:bind(host, 0))
  assert(l:listen(0))
  local port = l:getsockname().port
  local fill = {}
  for i = 1, 3 do
    local s = assert(lsock.socket(family, "stream"))
    s:settimeout(0)
    s:connect(host, port)
    fill[i] = s
  end
  return l, port, fill
end

-- A port on host where nothing listens (bound, then closed).
function M.deadport(lsock, host)
  local s = assert(lsock.socket(host:find(":") and "inet6" or "inet",
    "stream"))
  assert(s:bind(host, 0))
  local port = s:getsockname().port
  s:close()
  return port
end

function M.closeall(list)
  for _, s in ipairs(list) do s:close() end
end

return M
