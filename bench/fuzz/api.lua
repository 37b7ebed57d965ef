-- Seeded random API fuzzer: calls every public function and method of
-- lsock (and the internal lsock.core._stream) with random argument kinds
-- -- closed sockets, nil, huge integers, negative sizes, NaN, long
-- strings, tables where strings go, wrong userdata, tables whose
-- metamethods lie or that change while C reads them -- and checks only that
-- nothing crashes and that every failure is a Lua error or nil, msg[, errno].
-- Usage: lua5.4 bench/fuzz/api.lua [calls [seed [mutant]]]  (run it in a fresh
-- network namespace (a netns of its own, from `unshare -n`), as `make
-- fuzz` does: names never reach a resolver, and no datagram leaves it).
local lsock = require "lsock"
local core = require "lsock.core"

local CALLS = math.tointeger(tonumber(arg[1] or "")) or 10000
local SEED = math.tointeger(tonumber(arg[2] or "")) or 1
-- A third argument "mutant": only the mutating-argument calls (the spec's
-- short run).
local ONLY_MUTANT = arg[3] == "mutant"
math.randomseed(SEED)
local R = math.random

local TMP = os.tmpname()
os.remove(TMP)
assert(os.execute("mkdir -p " .. TMP))

-- SIGIO ends a process by default: setasync(true) would let a datagram
-- kill the run, so one signalfd holds it blocked throughout.
local keepsig = assert(lsock.signalfd({ "io", "urg", "pipe" }))
local keepfd = keepsig:fileno()

local function pick(t) return t[R(#t)] end

-- The pool: live, listening, connected and closed sockets, addresses,
-- streams and signalfds.  Rebuilt every REBUILD calls so descriptors stay
-- bounded.
local pool, listeners, addrs = {}, {}, {}
local REBUILD, MAXPOOL = 300, 48

local function nb(s)
  if lsock.socket and type(s) == "userdata" and getmetatable(s)
      and getmetatable(s).__name == "lsock.socket" then
    pcall(s.settimeout, s, 0)
    pcall(s.setsockopt, s, "socket", "linger", { onoff = false, linger = 0 })
  end
  return s
end

local function add(o)
  if o == nil then return end
  if #pool >= MAXPOOL then
    local i = R(#pool)
    local old = pool[i]
    if type(old) == "userdata" or type(old) == "table" then
      pcall(function() old:close() end)
    end
    pool[i] = o
  else
    pool[#pool + 1] = o
  end
end

local function closeall()
  for _, o in ipairs(pool) do pcall(function() o:close() end) end
  for _, o in ipairs(listeners) do pcall(function() o:close() end) end
  pool, listeners, addrs = {}, {}, {}
  collectgarbage()
  os.execute("rm -f " .. TMP .. "/*")
end

local seq = 0
-- lsock.tls, where OpenSSL is there: a self-signed certificate made once,
-- and each rebuild a client and a server connection over a socketpair
-- (non-blocking, so handshakes and reads give EAGAIN, never wait).
-- (The contexts are new each time: the fuzzer calls __gc too.)
local tlsok, tls = pcall(require, "lsock.tls")
local CERT, KEY = TMP .. ".cert.pem", TMP .. ".key.pem"   -- beside TMP: it is emptied
tlsok = tlsok and os.execute(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
  .. " -nodes -keyout %s -out %s -days 2 -subj /CN=localhost >/dev/null 2>&1"):format(KEY, CERT))

local function addtls()
  if not tlsok then return end
  local tlsctx = {
    server = tls.context { mode = "server", certfile = CERT, keyfile = KEY, alpn = { "x", "y" } },
    client = tls.context { cafile = CERT, alpn = { "y" } },
  }
  if not (tlsctx.server and tlsctx.client) then
    io.stderr:write("FUZZ: no TLS contexts from ", CERT, "\n")
    os.exit(2)
  end
  local a, b = lsock.socketpair("unix", "stream")
  local c = tls.wrap(nb(a), tlsctx.client, { servername = "localhost" })
  local s = tls.wrap(nb(b), tlsctx.server)
  for _ = 1, 4 do c:handshake(); s:handshake() end   -- done, non-blocking
  add(c)
  add(s)
  add(tlsctx.server)
  add(tlsctx.client)
  local x, y = lsock.socketpair("unix", "stream")
  add(tls.wrap(nb(x), tlsctx.client, { checkname = false }))  -- no handshake yet
  add(nb(y))
end

local function rebuild()
  closeall()
  addtls()
  for _, fam in ipairs { "inet", "inet6" } do
    local host = fam == "inet" and "127.0.0.1" or "::1"
    local l = lsock.socket(fam, "stream")
    if l and l:bind(host, 0) and l:listen(64) then
      nb(l)
      listeners[#listeners + 1] = l
      local a = l:getsockname()
      addrs[#addrs + 1] = a
      for _ = 1, 2 do
        local c = lsock.socket(fam, "stream")
        c:connect(a)
        add(nb(c))
        local p = l:accept()
        add(nb(p))
      end
      add(l)
    end
    local u = lsock.socket(fam, "dgram")
    if u and u:bind(host, 0) then
      addrs[#addrs + 1] = u:getsockname()
      add(nb(u))
    end
  end
  for _, ty in ipairs { "stream", "dgram", "seqpacket" } do
    local a, b = lsock.socketpair("unix", ty)
    add(nb(a))
    add(nb(b))
  end
  seq = seq + 1
  local path = TMP .. "/s" .. seq
  local ul = lsock.socket("unix", "stream")
  if ul:bind(path) and ul:listen() then
    addrs[#addrs + 1] = lsock.addr(path)
    listeners[#listeners + 1] = nb(ul)
    add(ul)
  end
  local dead = lsock.socket("inet", "stream")
  dead:close()
  add(dead)
  local a, b = lsock.socketpair("unix", "stream")
  add(lsock.stream.wrap(nb(a)))
  add(nb(b))
  add(lsock.signalfd("usr1"))
  addrs[#addrs + 1] = lsock.addr("\0lsockfuzz" .. seq)
  addrs[#addrs + 1] = lsock.addr("224.0.0.1", 9)
  addrs[#addrs + 1] = lsock.addr { family = "netlink", pid = 0, groups = 0x10 }
  addrs[#addrs + 1] = lsock.addr { family = "packet", ifindex = 1, protocol = 0x88b5,
                                   address = "\2\0\0\0\0\1" }
  -- a bound rtnetlink socket (the kernel answers it; sends stay in the
  -- run's namespace).  No packet sockets: frames are the namespaces specs'.
  local nls = lsock.socket("netlink", "raw", "route")
  if nls and nls:bind(lsock.addr { family = "netlink" }) then
    addrs[#addrs + 1] = nls:getsockname()
    add(nb(nls))
  end
  for _, a2 in ipairs(addrs) do add(a2) end
  add(core._stream.buffer(R(1, 4096)))
end

-- Argument generators ---------------------------------------------------

local NAMES = {
  "inet", "inet6", "unix", "unspec", "stream", "dgram", "raw", "seqpacket",
  "tcp", "udp", "icmp", "icmpv6", "socket", "ip", "ipv6", "reuseaddr",
  "reuseport", "linger", "rcvbuf", "sndbuf", "rcvtimeo", "sndtimeo",
  "keepalive", "nodelay", "info", "peercred", "type", "domain", "error",
  "add_membership", "drop_membership", "join_group", "multicast_if",
  "multicast_ttl", "multicast_loop", "bindtodevice", "congestion", "ttl",
  "tos", "v6only", "peek", "waitall", "dontwait", "oob", "peek waitall",
  "trunc", "rd", "wr", "rdwr", "r", "w", "rw", "l", "L", "a", "n", "*l",
  "*a", "full", "line", "no", "127.0.0.1", "::1", "localhost", "*", "",
  "0.0.0.0", "::", "fe80::1%lo", "fe80::1%nosuchif", "::ffff:1.2.3.4",
  "1.2.3", "256.1.1.1", "224.0.0.1", "ff02::1", "lo", "http", "80",
  "65536", "-1", "int", "term", "usr1", "io", "SIGHUP", "nohang", "ip6",
  "\0abstract", "/dev/null", "/nonexistent/dir/sock",
  "netlink", "packet", "route", "sock_diag", "generic", "netfilter",
  "kobject_uevent", "all", "arp", "promisc", "allmulti", "ext_ack",
  "no_enobufs", "pktinfo", "auxdata", "get_strict_chk", "broadcast",
  "\1\2\3\4\5\6", "\1\2\3\4\5", "02:00:00:00:00:01",
}

local function randbytes(n)
  local t = {}
  for i = 1, n do t[i] = string.char(R(0, 255)) end
  return table.concat(t)
end

local INTS = {
  0, 1, -1, 2, 3, 7, 8, 16, 64, 255, 256, 1024, 65535, 65536, -65536,
  2147483647, -2147483648, 2147483648, 4294967295, 4294967296,
  math.maxinteger, math.mininteger, math.maxinteger - 1, 1 << 40, -(1 << 40),
  1 << 61, 1 << 62, 1 << 63, (1 << 32) + 1, 0x7fffffff00000000,
}

local FLOATS = { 0 / 0, 1 / 0, -1 / 0, 0.5, -0.5, 1e308, -1e308, 1e-300,
                 -0.0, 2.0 ^ 63, 0.001, 3.0, 1e9 }

local gen

local function gentable(depth)
  local k = R(10)
  if k == 1 then return {} end
  if k == 2 then return { onoff = gen(depth + 1), linger = gen(depth + 1) } end
  if k == 3 then
    return { multiaddr = gen(depth + 1), interface = gen(depth + 1),
             sourceaddr = gen(depth + 1) }
  end
  if k == 4 then return { gen(depth + 1), gen(depth + 1) } end
  if k == 5 then
    local t = {}
    for i = 1, R(0, 70) do t[i] = gen(depth + 1) end
    return t
  end
  if k == 6 then
    return { { gen(depth + 1), gen(depth + 1), gen(depth + 1) } }
  end
  if k == 7 then
    -- getaddrinfo hints, and lsock.addr{family=...} of every family
    return { family = R(2) == 1 and pick { "netlink", "packet", "inet", "inet6",
                                           "unix" } or gen(depth + 1),
             socktype = gen(depth + 1), protocol = gen(depth + 1),
             flags = gen(depth + 1), pid = gen(depth + 1), groups = gen(depth + 1),
             ifindex = gen(depth + 1), hatype = gen(depth + 1),
             pkttype = gen(depth + 1), address = gen(depth + 1),
             host = gen(depth + 1), port = gen(depth + 1), path = gen(depth + 1),
             scope = gen(depth + 1), flowinfo = gen(depth + 1), type = gen(depth + 1) }
  end
  if k == 8 then
    return { timeout = gen(depth + 1), bind = gen(depth + 1),
             connect = gen(depth + 1), type = gen(depth + 1),
             family = gen(depth + 1), interface = gen(depth + 1),
             localaddr = gen(depth + 1), reuseaddr = gen(depth + 1) }
  end
  if k == 9 then return setmetatable({}, { __index = function() error("x") end }) end
  return { R(0, 3), pick(NAMES), "x" }
end

function gen(depth)
  depth = depth or 0
  local k = R(depth > 2 and 9 or 16)
  if k == 1 then return nil end
  if k == 2 then return R(2) == 1 end
  if k == 3 then return pick(INTS) end
  if k == 4 then return R(-10, 100) end
  if k == 5 then return pick(FLOATS) end
  if k == 6 or k == 7 then return pick(NAMES) end
  if k == 8 then return randbytes(R(0, 40)) end
  if k == 9 then
    if #pool > 0 then return pick(pool) end
    return nil
  end
  if k == 10 then
    local n = pick { 108, 109, 200, 4096, 70000, R(1, 300000) }
    return string.rep(string.char(R(0, 255)), n)
  end
  if k == 11 then return gentable(depth) end
  if k == 12 then return pick(addrs) end
  if k == 13 then
    return pick { io.stdout, print, coroutine.create(print),
                  lsock.addr("127.0.0.1", 1) }
  end
  if k == 14 then return pick(INTS) + 0.5 end
  if k == 15 then
    local a = pick(addrs)
    return a and a.port or 0
  end
  return pick(pool)
end

-- Targets ----------------------------------------------------------------

local modfuncs = {}
local function collect(prefix, t)
  for k, v in pairs(t) do
    if type(v) == "function" then modfuncs[#modfuncs + 1] = { prefix .. k, v } end
  end
end
collect("lsock.", core)
collect("lsock._stream.", core._stream)
for _, m in ipairs { "tcp", "udp", "unix", "stream", "multicast", "loop",
                     "server", "netlink", "tls" } do
  local ok, mod = pcall(require, "lsock." .. m)
  if ok and type(mod) == "table" then collect("lsock." .. m .. ".", mod) end
end
-- netlink.request waits for the kernel's answer as long as its opts say:
-- its parts (pack, messages, attrs) are fuzzed, not the wait.
for i = #modfuncs, 1, -1 do
  if modfuncs[i][1] == "lsock.netlink.request" then table.remove(modfuncs, i) end
end
table.sort(modfuncs, function(a, b) return a[1] < b[1] end)

-- Descriptors the run itself needs are never handed to close or fromfd.
local function safefd(v)
  if math.type(v) == "integer" and ((v >= 0 and v <= 2) or v == keepfd) then
    return 1 << 20
  end
  return v
end

-- Calls that could wait for ever (or fork) get bounded arguments; a few
-- are never made: fork (the child would fuzz on), the loop's run and
-- sleep, and sleep (they only wait).
local SLOW = { ["lsock.tcp.connect"] = true, ["lsock.connectwait"] = true,
               ["lsock.loop.run"] = true, ["lsock.loop.sleep"] = true,
               ["lsock.loop.wait"] = true, ["lsock.loop.suspend"] = true,
               ["lsock.select"] = true, ["lsock.fork"] = true,
               ["lsock.wait"] = true, ["lsock.sleep"] = true,
               ["lsock.tls.connect"] = true }
local NEVER_METHOD = { run = true, wait = true }

local function methods(o)
  local mt = getmetatable(o)
  if type(mt) ~= "table" then return nil end
  local idx = rawget(mt, "__index")
  local names = {}
  if type(idx) == "table" then
    for k, v in pairs(idx) do
      if type(v) == "function" then names[#names + 1] = k end
    end
    local parent = getmetatable(idx)
    if parent and type(parent.__index) == "table" then
      for k, v in pairs(parent.__index) do
        if type(v) == "function" then names[#names + 1] = k end
      end
    end
  end
  for _, k in ipairs { "__tostring", "__eq", "__close", "__gc", "__len" } do
    if type(rawget(mt, k)) == "function" then names[#names + 1] = k end
  end
  table.sort(names)
  return names, idx, mt
end

local TRACE = os.getenv("LSOCK_FUZZ_TRACE")
local SHOWERRORS = os.getenv("LSOCK_FUZZ_ERRORS")  -- each raised message
local function trace(name, a)
  if not TRACE then return end
  local t = {}
  for i = 1, 5 do
    local v = a[i]
    t[i] = type(v) == "string" and ("%q"):format(v:sub(1, 40)) or tostring(v)
  end
  io.stderr:write(name, "(", table.concat(t, ", "), ")\n")
end

local stats = { calls = 0, errors = 0, fails = 0, ok = 0 }
local pooling = true
local seen = {}

local function check(name, ok, ...)
  stats.calls = stats.calls + 1
  seen[name] = (seen[name] or 0) + 1
  if not ok then
    local e = ...
    if type(e) ~= "string" then
      io.stderr:write(("FUZZ: %s raised a %s, not a message\n"):format(
        name, type(e)))
      os.exit(2)
    end
    stats.errors = stats.errors + 1
    if SHOWERRORS then io.stderr:write(name, ": ", e, "\n") end
    return
  end
  local n = select("#", ...)
  local r1, r2, r3 = ...
  if n >= 2 and r1 == nil and not name:find("^sockaddr") then
    if type(r2) ~= "string" or (r3 ~= nil and math.type(r3) ~= "integer") then
      io.stderr:write(("FUZZ: %s failed with nil, %s, %s\n"):format(
        name, type(r2), type(r3)))
      os.exit(2)
    end
    stats.fails = stats.fails + 1
  else
    stats.ok = stats.ok + 1
  end
  -- New sockets join the pool, non-blocking so no call can hang.
  for i = 1, pooling and math.min(n, 3) or 0 do
    local v = select(i, ...)
    if type(v) == "userdata" then
      local mt = getmetatable(v)
      local kind = mt and type(mt.__name) == "string" and mt.__name
      if kind and kind:find("^lsock%.") and kind ~= "lsock.sockaddr" then
        add(nb(v))
      elseif mt and mt.__name == "lsock.sockaddr" and #addrs < 64 then
        addrs[#addrs + 1] = v
      end
    elseif type(v) == "table" and getmetatable(v) then
      pcall(function() v:settimeout(0) end)  -- streams, loop wrappers
      add(v)
    end
  end
end

local function args(n)
  local t = {}
  for i = 1, n do t[i] = gen() end
  return t
end

local function call_module()
  local f = pick(modfuncs)
  local name = f[1]
  local a = args(R(0, 5))
  if name == "lsock.close" or name == "lsock.fromfd" then a[1] = safefd(a[1]) end
  if SLOW[name] then
    -- Bounded: short timeouts, loopback only.
    if name == "lsock.connectwait" then a[2] = R(0, 1) / 100
    elseif name == "lsock.tcp.connect" then a[3] = { timeout = 0.01 }
    elseif name == "lsock.tls.connect" then a[3] = { timeout = 0.01, verify = R(2) == 1 }
    elseif name == "lsock.select" then a[3] = 0
    elseif name == "lsock.wait" then a[2] = "nohang"
    else return end
  end
  trace(name, a)
  check(name, pcall(f[2], table.unpack(a, 1, 5)))
end

local function call_method()
  local o = pick(pool)
  if o == nil then return end
  local names, idx, mt = methods(o)
  if not names or #names == 0 then return end
  local m = pick(names)
  local fn = (type(idx) == "table" and idx[m]) or rawget(mt, m)
  if type(fn) ~= "function" then
    local parent = type(idx) == "table" and getmetatable(idx)
    fn = parent and parent.__index and parent.__index[m]
  end
  if type(fn) ~= "function" then return end
  local self = o
  if R(20) == 1 then self = gen() end            -- wrong self
  local a = args(R(0, 5))
  if m == "sendfile" and R(2) == 1 then a[1] = io.stdin end
  local name = (mt.__name or "table") .. ":" .. m
  if name == "lsock.signalfd:read" then a[1] = pick { 0, 0.001, "x", 0 / 0 } end
  if NEVER_METHOD[m] then
    if m ~= "wait" or mt.__name ~= "lsock.poller" then return end
    a[1] = pick { 0, -0.0, "x", 0 / 0 }  -- p:wait only without waiting
  end
  trace(name, a)
  check(name, pcall(fn, self, table.unpack(a, 1, 5)))
  -- Restore the pool's invariants: non-blocking, no lingering close.
  if m == "settimeout" or m == "setblocking" or m == "setsockopt" then
    if type(o) == "table" or mt.__name == "lsock.tls.connection" then
      pcall(function() o:settimeout(0) end)
    end
    nb(o)
  end
end

-- Mutating arguments ------------------------------------------------------
-- Tables whose metamethods lie or change what is being read, for every
-- call that reads a table: __len returning huge or shifting values,
-- __index answering differently at each read, __pairs yielding junk, and
-- members whose fileno()/__index rewrite the array that holds them (shrink
-- it, grow it, retype an item, give it a huge __len) while C walks it.
local HUGE = { 1 << 62, math.maxinteger, math.mininteger, -1, 1 << 31,
               (1 << 32) + 1, 2 ^ 53, 0.5, 0 / 0, "7", 1 << 20 }

local function lyinglen(t)
  local n, mode = 0, R(3)
  return setmetatable(t, { __len = function()
    n = n + 1
    if mode == 1 then return pick(HUGE) end
    if mode == 2 then return n * 1000 end  -- larger at each read
    return R(0, 8)
  end })
end

-- Missing keys: from 'backing' at odd reads, junk at even ones.
local function shifting(t, backing)
  local reads = 0
  return setmetatable(t, { __index = function(_, k)
    reads = reads + 1
    if reads % 2 == 1 and backing[k] ~= nil then return backing[k] end
    return gen(3)
  end })
end

local function junkpairs(t)
  return setmetatable(t, { __pairs = function()
    local i = 0
    return function()
      i = i + 1
      if i > 5 then return nil end
      return gen(3), gen(3)
    end, t, nil
  end })
end

local function wreck(arr)
  local k = R(5)
  if k == 1 then
    for i = rawlen(arr), 1, -1 do rawset(arr, i, nil) end
  elseif k == 2 then
    for i = rawlen(arr) + 1, rawlen(arr) + R(1, 300) do rawset(arr, i, gen(3)) end
  elseif k == 3 then
    rawset(arr, R(math.max(1, rawlen(arr))), gen(3))
  elseif k == 4 then
    setmetatable(arr, { __len = function() return pick(HUGE) end })
  else
    rawset(arr, R(math.max(1, rawlen(arr))), setmetatable({}, {
      __index = function() error("changed under you") end }))
  end
end

-- An element of arr that rewrites arr when C looks into it; as a
-- descriptor object its fileno() gives 'fd' after wrecking arr again.
local function saboteur(arr, fd, backing)
  return setmetatable({}, {
    __index = function(_, key)
      wreck(arr)
      if key == "fileno" or key == "getfd" then
        return function() wreck(arr); return fd end
      end
      return backing and backing[key]
    end,
    __len = function() wreck(arr); return 3 end,
  })
end

local function poolfd()
  local s = pick(pool)
  local ok, fd = pcall(function() return s:fileno() end)
  return ok and math.type(fd) == "integer" and fd or R(0, 3)
end

-- An array of n items from item(), mixed with saboteurs and wrapped in
-- one of the lies.
local function mutant(item, n)
  local arr = {}
  for i = 1, n or R(0, 6) do arr[i] = item() end
  for _ = 1, R(0, 2) do
    table.insert(arr, R(#arr + 1), saboteur(arr, poolfd(), item()))
  end
  local k = R(5)
  if k == 1 then lyinglen(arr)
  elseif k == 2 then junkpairs(arr)
  elseif k == 3 then shifting(arr, {})
  end
  return arr
end

-- A table of fields, read through a lie: shifting answers, a saboteur
-- behind every field, or junk pairs.
local function fields(t)
  local k = R(4)
  if k == 1 then return shifting({}, t) end
  if k == 2 then
    local holder = {}
    return saboteur(holder, poolfd(), t)
  end
  if k == 3 then return junkpairs(t) end
  for key, v in pairs(t) do if R(3) == 1 then t[key] = gen(3) else t[key] = v end end
  return t
end

local function sockof(kind)
  local want = {}
  for _, o in ipairs(pool) do
    if type(o) == "userdata" and getmetatable(o)
        and getmetatable(o).__name == "lsock.socket" then
      local ok, ty = pcall(o.type, o)
      local okf, fam = pcall(o.family, o)
      if ok and okf and (kind == nil or kind == fam .. "/" .. ty) then
        want[#want + 1] = o
      end
    end
  end
  return pick(want) or pick(pool)
end

local function somedata() return pick { "x", "", randbytes(R(1, 64)), gen(3) } end
local function someaddr() return pick(addrs) or lsock.addr("127.0.0.1", 9) end
local function anc()
  local k = R(5)
  local data
  if k == 1 then data = mutant(poolfd)
  elseif k == 2 then data = fields { pid = 1, uid = 0, gid = 0 }
  elseif k == 3 then data = fields { addr = "127.0.0.1", ifindex = 1 }
  elseif k == 4 then data = mutant(function() return sockof() end)
  else data = gen(3) end
  local item = { pick { "socket", "ip", "ipv6", 1, 0 },
                 pick { "rights", "credentials", "pktinfo", 1, 2 }, data }
  return R(3) == 1 and fields(item) or item
end
local function listenport()
  local l = pick(listeners)
  local ok, a = pcall(function() return l:getsockname() end)
  return ok and a.port or 9
end

local MUTANTS = {
  { "lsock.select", function()
      return lsock.select(mutant(sockof), mutant(sockof), 0)
    end },
  { "poller:add", function()
      local p <close> = lsock.poller()
      local x = pick { saboteur({}, poolfd()), sockof(), mutant(poolfd), poolfd() }
      p:add(x, pick { "r", "w", "rw", gen(3) }, gen(3))
      p:modify(x, pick { "r", "w", gen(3) })
      return p:wait(0)
    end },
  { "socket:sendmsg", function()
      local s = sockof(pick { "unix/dgram", "unix/stream", "inet/dgram" })
      return s:sendmsg(R(2) == 1 and mutant(somedata) or somedata(),
                       mutant(anc), pick { 0, "dontwait", gen(3) },
                       R(2) == 1 and someaddr() or nil)
    end },
  { "socket:sendmmsg", function()
      local s = sockof(pick { "inet/dgram", "inet6/dgram", "unix/dgram" })
      return s:sendmmsg(mutant(somedata), R(2) == 1 and mutant(someaddr)
                                            or someaddr())
    end },
  { "socket:sendfds", function()
      local s = sockof(pick { "unix/stream", "unix/dgram" })
      return s:sendfds(somedata(), R(3) == 1 and saboteur({}, poolfd())
                                   or mutant(function()
                                     return pick { poolfd(), sockof() }
                                   end))
    end },
  { "socket:setsockopt", function()
      local s = sockof()
      local opt = pick {
        { "socket", "linger", { onoff = true, linger = 1 } },
        { "ip", "add_membership", { multiaddr = "225.0.0.1", interface = "lo" } },
        { "ip", "add_source_membership", { multiaddr = "232.1.1.1",
          interface = "127.0.0.1", sourceaddr = "127.0.0.2" } },
        { "ip", "multicast_if", { address = "127.0.0.1", ifindex = 1 } },
        { "ipv6", "join_group", { multiaddr = "ff12::1", interface = 1 } },
        { "ipv6", "join_source_group", { multiaddr = "ff32::8000:1",
          interface = "lo", sourceaddr = "::1" } },
        { "netlink", "add_membership", 1 },
      }
      return s:setsockopt(opt[1], opt[2], fields(opt[3]))
    end },
  { "lsock.getaddrinfo", function()
      return lsock.getaddrinfo(pick { "127.0.0.1", "::1", "localhost", nil },
                               pick { "80", 80, "http", nil },
                               fields { family = pick { "inet", "inet6", "unspec" },
                                        socktype = "stream", protocol = 0,
                                        flags = pick { "passive", "canonname", 0 } })
    end },
  { "lsock.addr", function()
      return lsock.addr(fields { family = pick { "netlink", "packet", "inet" },
                                 pid = 0, groups = 1, ifindex = 1,
                                 protocol = 0x88b5, host = "127.0.0.1", port = 1 })
    end },
  -- helper opts: a real table whose values lie (checkopts reads raw keys)
  { "lsock.tcp.connect", function()
      return lsock.tcp.connect("127.0.0.1", listenport(), {
        timeout = 0.01, localaddr = fields { "127.0.0.1", 0 },
        family = pick { "inet", gen(3) }, nodelay = gen(3) })
    end },
  { "lsock.tcp.listen", function()
      return lsock.tcp.listen("127.0.0.1", 0, {
        backlog = pick(HUGE), reuseaddr = gen(3), family = pick { "inet", gen(3) } })
    end },
  { "lsock.udp.open", function()
      return lsock.udp.open {
        bind = fields { "127.0.0.1", 0 }, connect = R(2) == 1 and
          fields { "127.0.0.1", listenport() } or nil,
        timeout = pick { 0, 0.01, gen(3) }, broadcast = gen(3) }
    end },
  { "lsock.unix.listen", function()
      seq = seq + 1
      return lsock.unix.listen(TMP .. "/m" .. seq, { backlog = pick(HUGE),
                               type = pick { "stream", "dgram", gen(3) } })
    end },
  { "lsock.stream.wrap", function()
      local a, b = lsock.socketpair("unix", "stream")
      b:close()
      return lsock.stream.wrap(a, { bufsize = pick(HUGE), maxline = pick(HUGE) })
    end },
  { "lsock.multicast.receiver", function()
      return lsock.multicast.receiver(pick { "225.0.0.1", "ff12::1", gen(3) }, 0, {
        interface = pick { "lo", 1, gen(3) }, source = pick { nil, "127.0.0.2", gen(3) },
        timeout = 0 })
    end },
  { "lsock.multicast.sender", function()
      return lsock.multicast.sender(pick { "225.0.0.1", "ff12::1", gen(3) }, 9, {
        ttl = pick(HUGE), loop = gen(3), interface = pick { "lo", gen(3) },
        bind = fields { "127.0.0.1", 0 }, timeout = 0 })
    end },
  { "lsock.server.tcp", function()
      return lsock.server.tcp { host = "127.0.0.1", port = 0, handler = print,
                                mode = pick { "iterative", "select", "coroutine", gen(3) },
                                backlog = pick(HUGE), grace = pick(HUGE),
                                deadline = gen(3), interval = pick(HUGE) }
    end },
  { "lsock.unix.connect", function()
      return lsock.unix.connect(TMP .. "/s" .. seq, { timeout = pick { 0, 0.01, gen(3) },
                                type = pick { "stream", "dgram", gen(3) } })
    end },
  { "lsock.server.udp", function()
      return lsock.server.udp { host = "127.0.0.1", port = 0, handler = print,
                                mode = pick { "iterative", "coroutine", gen(3) },
                                timeout = pick(HUGE), max = pick(HUGE) }
    end },
}

-- Results of these calls are closed at once, not pooled (a server
-- object has methods that would run it).
local function closeresults(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "userdata" or type(v) == "table" then
      pcall(function() v:close() end)
    end
  end
end

local function call_mutant()
  local m = pick(MUTANTS)
  local name = "mutant " .. m[1]
  if TRACE then io.stderr:write(name, "\n") end
  local res = table.pack(pcall(m[2]))
  pooling = false
  check(name, table.unpack(res, 1, res.n))
  pooling = true
  if res[1] then closeresults(table.unpack(res, 2, res.n)) end
end

local function call_addr()
  local a = pick(addrs)
  if not a then return end
  local k = R(6)
  if k == 1 then
    check("sockaddr.field", pcall(function() return a[gen()] end))
  elseif k == 2 then
    check("sockaddr:unpack", pcall(function() return a:unpack(gen()) end))
  elseif k == 3 then
    check("sockaddr ==", pcall(function() return a == gen() end))
  elseif k == 4 then
    check("tostring", pcall(tostring, gen()))
  elseif k == 5 then
    check("sockaddr.set", pcall(function() a[gen()] = gen() end))
  else
    check("sockaddr.host", pcall(function() return a.host, a.port, a.path, a.family end))
  end
end

local t0 = os.clock()
local step = math.max(1, CALLS // 10)
-- Until CALLS calls were made (a draw of a call never made, such as
-- fork, does not count), rebuilding the pool every REBUILD draws.
local draws, nextreport = 0, step
while stats.calls < CALLS do
  draws = draws + 1
  if draws % REBUILD == 1 then rebuild() end
  local k = ONLY_MUTANT and 12 or R(12)
  if k <= 4 then call_module()
  elseif k <= 9 then call_method()
  elseif k == 10 then call_addr()
  else call_mutant() end
  if stats.calls >= nextreport then
    io.stderr:write(("fuzz: %d calls, %.0f s cpu\n"):format(stats.calls,
                                                           os.clock() - t0))
    nextreport = nextreport + step
  end
end
closeall()
keepsig:close()
os.execute("rm -rf " .. TMP)
os.remove(CERT)
os.remove(KEY)

local covered, total = 0, 0
for _, f in ipairs(modfuncs) do
  total = total + 1
  if seen[f[1]] then covered = covered + 1 end
end
print(("fuzz seed %d: %d calls (%d returned, %d nil+msg, %d raised), "
       .. "%d of %d module functions reached, %d distinct targets")
      :format(SEED, stats.calls, stats.ok, stats.fails, stats.errors,
              covered, total, (function()
                local n = 0
                for _ in pairs(seen) do n = n + 1 end
                return n
              end)()))
