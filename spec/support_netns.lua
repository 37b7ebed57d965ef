-- Test hosts for multicast and broadcast specs: network namespaces this
-- process creates and deletes, so nothing is ever sent from the host's own
-- namespace.  A pair is two namespaces joined by a veth link on
-- 10.99.0.0/24 ("a" is 10.99.0.1 and 10.99.0.3, "b" is 10.99.0.2; in
-- IPv6 fd99::1, fd99::3 and fd99::2), with IPv6 addresses ready at once
-- (no duplicate address detection) and the multicast route on the veth.
-- Names carry this process's pid and a counter, so parallel runs never
-- meet.  Programs run inside with
-- net:lua(...) and net:python(...), each under `timeout`.
local M = {}

local function readpid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return pid
end

local pid = readpid()
local counter = 0

local function q(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end
M.quote = q

-- Non-Lua programs run without the ASan preload of `make test-asan`.
local CLEAN = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS "

-- The environment a child lua5.4 needs: the library paths and the
-- sanitizer settings of this run, given back after `ip` (run clean).
local luaenv = require("helper").luaenv

local function run(cmd)
  local p = io.popen(CLEAN .. cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

local function must(cmd)
  local ok, out = run(cmd)
  if not ok then error(("command failed: %s\n%s"):format(cmd, out), 2) end
  return out
end

local Net = {}
Net.__index = Net

local function setup(net, hosts)
  for _, h in ipairs(hosts) do
    local ns = net.ns[h]
    must("ip netns add " .. ns)
    net.made[#net.made + 1] = ns
    -- Before any link comes up: IPv6 addresses usable at once.
    must(("ip netns exec %s sysctl -qw net.ipv6.conf.all.accept_dad=0 "
          .. "net.ipv6.conf.default.accept_dad=0"):format(ns))
    must(("ip -n %s link set lo up"):format(ns))
  end
  if #hosts < 2 then return end
  local a, b = net.ns.a, net.ns.b
  must(("ip -n %s link add %s type veth peer name %s netns %s")
       :format(a, net.ifname.a, net.ifname.b, b))
  for h, addrs in pairs { a = { "10.99.0.1/24", "10.99.0.3/24", "fd99::1/64",
                                "fd99::3/64" },
                          b = { "10.99.0.2/24", "fd99::2/64" } } do
    local ns, dev = net.ns[h], net.ifname[h]
    must(("ip netns exec %s sysctl -qw net.ipv6.conf.%s.accept_dad=0")
         :format(ns, dev))
    for _, addr in ipairs(addrs) do
      must(("ip -n %s addr add %s dev %s%s"):format(ns, addr, dev,
                                                   addr:find(":") and " nodad" or ""))
    end
    must(("ip -n %s link set %s up"):format(ns, dev))
    must(("ip -n %s route add 224.0.0.0/4 dev %s"):format(ns, dev))
  end
  -- The link is up when the peer answers: wait (bounded) for the carrier.
  for _ = 1, 50 do
    local out = must(("ip -n %s -br link show %s"):format(a, net.ifname.a))
    if out:find("UP", 1, true) and not out:find("DOWN", 1, true) then break end
    must("sleep 0.1")
  end
end

--- Creates namespaces: `M.pair()` for hosts a and b joined by veth,
-- `M.single()` for host a with only loopback.  Raises (after removing
-- whatever it made) if the system refuses.
local function create(hosts)
  counter = counter + 1
  local tag = ("lk%d%s%d"):format(pid, "n", counter)
  local net = setmetatable({
    ns = { a = tag .. "a", b = tag .. "b" },
    ifname = { a = tag .. "x", b = tag .. "y" },
    made = {},
  }, Net)
  local ok, err = pcall(setup, net, hosts)
  if not ok then
    net:destroy()
    error(err, 2)
  end
  return net
end

function M.pair() return create { "a", "b" } end
function M.single() return create { "a" } end

--- Deletes the namespaces (their veth goes with them).  Safe to repeat.
function Net:destroy()
  for i = #self.made, 1, -1 do
    run("ip netns del " .. self.made[i])
    self.made[i] = nil
  end
end

--- The interface index of host h's veth.
function Net:ifindex(h)
  local ok, out = self:exec(h, "cat /sys/class/net/" .. self.ifname[h] .. "/ifindex")
  assert(ok, out)
  return math.tointeger(tonumber(out))
end

-- The shell command that runs argv (already quoted) in host h.
function Net:cmd(h, argv, lua)
  return ("%s timeout 20 ip netns exec %s %s%s"):format(
    CLEAN, self.ns[h], lua and (luaenv() .. " ") or "", argv)
end

local tmpfiles = {}

local function script(code)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(code)
  f:close()
  tmpfiles[#tmpfiles + 1] = name
  return name
end

--- Removes the scripts written so far (call from finally/teardown).
function M.cleanup()
  for i = #tmpfiles, 1, -1 do
    os.remove(tmpfiles[i])
    tmpfiles[i] = nil
  end
end

local function args(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = q(v) end
  return table.concat(out, " ")
end

--- Starts Lua `code` (or a file with `file = true`) in host h with
-- arguments; returns a Proc to read lines from.
function Net:lua(h, code, argv, isfile)
  local path = isfile and code or script(code)
  return M.start(self:cmd(h, "lua5.4 " .. q(path) .. " " .. args(argv), true))
end

function Net:python(h, code, argv)
  return M.start(self:cmd(h, "python3 " .. q(script(code)) .. " " .. args(argv)))
end

--- Runs a command in host h to the end: ok, output.
function Net:exec(h, argv)
  return run(self:cmd(h, argv))
end

local Proc = {}
Proc.__index = Proc

function M.start(cmd)
  return setmetatable({ p = io.popen(cmd .. " 2>&1"), lines = {} }, Proc)
end

--- The next line of output (nil at the end).
function Proc:line()
  local l = self.p:read("l")
  if l then self.lines[#self.lines + 1] = l end
  return l
end

--- Reads until a line matches `pattern`; returns its captures or the
-- line, or nil and everything read when the program ended first.
function Proc:expect(pattern)
  while true do
    local l = self:line()
    if not l then return nil, table.concat(self.lines, "\n") end
    if l:find(pattern) then return l:match(pattern) end
  end
end

--- Waits for the end: all of the output after what was read, and whether
-- the program succeeded.
function Proc:finish()
  if not self.p then return table.concat(self.lines, "\n"), self.ok end
  local rest = self.p:read("a")
  self.ok = self.p:close()
  self.p = nil
  for l in rest:gmatch("[^\n]+") do self.lines[#self.lines + 1] = l end
  return table.concat(self.lines, "\n"), self.ok
end

return M
