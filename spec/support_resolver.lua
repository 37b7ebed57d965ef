-- A private resolver for the name-lookup specs: a Lua program runs inside
-- its own network, mount and pid namespace (`unshare -mnpf`: only a loopback
-- link, nothing leaves the machine) where /etc/resolv.conf is a bind-mount
-- naming 127.0.0.1, and spec/slowdns.py answers there after `delay`
-- seconds (names hN.slow.test -> 10.99.1.N, anything else NXDOMAIN).
-- /etc/hosts is the host's own.  Everything runs under `timeout`, and
-- the pid namespace ends the DNS server with the program.
local M = {}

local function q(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end

local CLEAN = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS "

-- The environment the Lua child needs (library paths, sanitizer settings).
local luaenv = require("helper").luaenv

local function write(name, text)
  local f = assert(io.open(name, "w"))
  f:write(text)
  f:close()
end

--- Runs `code` (a Lua chunk) with lua5.4 inside the namespace; returns
-- ok (the child's exit status was 0) and its output (stdout and stderr).
function M.run(code, delay)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. q(dir)))
  write(dir .. "/resolv.conf", "nameserver 127.0.0.1\noptions timeout:5 attempts:1\n")
  write(dir .. "/main.lua", code)
  local sh = table.concat({
    "ip link set lo up",
    "mount --bind " .. q(dir .. "/resolv.conf") .. " /etc/resolv.conf",
    ("python3 spec/slowdns.py %s %s &"):format(tostring(delay or 1), q(dir .. "/ready")),
    "dns=$!",
    ("i=0; while [ ! -e %s ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done")
      :format(q(dir .. "/ready")),
    luaenv() .. " lua5.4 " .. q(dir .. "/main.lua"),
    "rc=$?",
    "kill $dns",
    "exit $rc",
  }, "\n")
  write(dir .. "/run.sh", sh)
  local p = io.popen(("%stimeout 60 unshare -mnpf --kill-child --mount-proc sh %s 2>&1")
    :format(CLEAN, q(dir .. "/run.sh")))
  local out = p:read("a")
  local ok = p:close()
  os.execute("rm -rf " .. q(dir))
  return ok, out
end

return M
