-- Programming errors raise `bad argument #n to 'name'` (methods count their
-- arguments without self), and a closed socket raises on every method.
-- The cases are generated from signatures, as luaposix does: each argument
-- has a kind, each kind a good value and some bad ones, and every bad value
-- in every position becomes an `it` block with the earlier arguments good.
local helper = require "helper"
local lsock = helper.lsock

-- A socket call that never returns (broken timeouts) fails the run, not hangs it.
local watchdog
lazy_setup(function() watchdog = helper.watchdog(60, "spec/badarg_spec.lua") end)
lazy_teardown(function() watchdog:cleanup() end)
-- Clean-ups run when a test ends, any number of them (see helper.defer).
local function defer(fn) helper.defer(finally, fn) end

local NOVALUE = setmetatable({}, { __tostring = function() return "no value" end })

-- kind = { good value, bad value, ... }; NOVALUE leaves the argument out.
local KINDS = {
  str      = { "x", {}, true, NOVALUE },
  int      = { 1, "x", {}, 1.5, NOVALUE },
  ["?int"] = { 1, "x", {}, 1.5 },
  size     = { 8, "x", {}, 1.5, -1, 1 << 40, NOVALUE },
  ["?num"] = { 1, "x", {} },
  addr     = { lsock.addr("127.0.0.1", 9), {}, true, NOVALUE },
  flags    = { 0, "nosuchflag", "peek nosuchflag", {}, true },
  how      = { "wr", "nosuchhow", {}, NOVALUE },
  level    = { "socket", "nosuchlevel", {}, NOVALUE },
  optname  = { "sndbuf", "nosuchoption", {}, NOVALUE },
  optvalue = { 4096, "x", {}, NOVALUE },
  family   = { "inet", "nosuchfamily", {}, NOVALUE },
  ufamily  = { "unix", "nosuchfamily", {} },  -- socketpair defaults to unix stream
  socktype = { "dgram", "nosuchtype", {}, NOVALUE },
  ["?socktype"] = { "dgram", "nosuchtype", {} },
  proto    = { 0, "nosuchprotocol", {} },
}

-- Methods of a UDP socket; argument checks come before any system call,
-- so the socket's state does not matter.
local METHODS = {
  { "bind",       "addr" },
  { "connect",    "addr" },
  { "listen",     "?int" },
  { "send",       "str", "flags", "?int", "?int" },
  { "sendall",    "str", "?int", "?int" },
  { "recv",       "size", "flags" },
  { "sendto",     "str", "addr", "flags" },
  { "recvfrom",   "size", "flags" },
  { "shutdown",   "how" },
  { "setsockopt", "level", "optname", "optvalue" },
  { "getsockopt", "level", "optname" },
  { "settimeout", "?num" },
}

local FUNCTIONS = {
  { "socket",     "family", "socktype", "proto" },
  { "socketpair", "ufamily", "?socktype", "proto" },
  { "fromfd",     "int" },
  { "close",      "int" },
}

-- Calls through source text, so the call site names the function as a user's
-- code would (a tail call or a pcall would lose the name).
local function caller(prefix, name)
  local src = ("local t = ...; local r = t%s%s(select(2, ...)); return r"):format(prefix, name)
  return assert(load(src, "=" .. name))
end

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" and v ~= NOVALUE then return "{}" end
  return tostring(v)
end

-- Runs `call(target, args...)` and asserts the error names argument n of name.
local function expect_argerror(call, target, args, nargs, n, name)
  local ok, msg = pcall(call, target, table.unpack(args, 1, nargs))
  assert(not ok, "no error raised")
  local want = ("bad argument #%d to '%s'"):format(n, name)
  assert(type(msg) == "string" and msg:find(want, 1, true),
    ("expected %q, got %q"):format(want, tostring(msg)))
end

-- One `it` per bad value per argument position of a signature.
local function generate(sig, prefix, target_fn)
  local name = sig[1]
  local call = caller(prefix, name)
  for pos = 2, #sig do
    local values = KINDS[sig[pos]]
    for b = 2, #values do
      local bad = values[b]
      local shown = {}
      local args = {}
      for i = 2, pos - 1 do
        args[i - 1] = KINDS[sig[i]][1]
        shown[#shown + 1] = show(args[i - 1])
      end
      local nargs = pos - 2
      if bad ~= NOVALUE then
        nargs = nargs + 1
        args[nargs] = bad
      end
      shown[#shown + 1] = show(bad)
      local n = pos - 1
      it(("%s(%s) raises bad argument #%d"):format(name, table.concat(shown, ", "), n), function()
        local target = target_fn()
        defer(function()
          if type(target) ~= "table" then target:close() end
        end)
        expect_argerror(call, target, args, nargs, n, name)
      end)
    end
  end
end

describe("socket methods with bad arguments", function()
  for _, sig in ipairs(METHODS) do
    generate(sig, ":", function() return assert(lsock.socket("inet", "dgram")) end)
  end
end)

describe("module functions with bad arguments", function()
  for _, sig in ipairs(FUNCTIONS) do
    generate(sig, ".", function() return lsock end)
  end
end)

describe("argument checks that need a particular socket or value", function()
  local long = "/tmp/" .. ("x"):rep(103) -- 108 bytes: one more than sun_path holds
  local longest_abstract = "\0" .. ("a"):rep(107)

  it("rejects a unix path over 107 bytes in bind, connect and sendto", function()
    assert.equal(108, #long)
    local s <close> = assert(lsock.socket("unix", "dgram"))
    expect_argerror(caller(":", "bind"), s, { long }, 1, 1, "bind")
    expect_argerror(caller(":", "connect"), s, { long }, 1, 1, "connect")
    expect_argerror(caller(":", "sendto"), s, { "x", long }, 2, 2, "sendto")
  end)

  it("rejects an over-long unix path in lsock.addr", function()
    expect_argerror(caller(".", "addr"), lsock, { long }, 1, 1, "addr")
    expect_argerror(caller(".", "addr"), lsock, { longest_abstract .. "b" }, 1, 1, "addr")
  end)

  it("rejects bad types and an unknown family in lsock.addr", function()
    local addr = caller(".", "addr")
    expect_argerror(addr, lsock, { {} }, 1, 1, "addr")
    expect_argerror(addr, lsock, { true }, 1, 1, "addr")
    expect_argerror(addr, lsock, { "127.0.0.1", {} }, 2, 2, "addr")
    expect_argerror(addr, lsock, { "*", 80, "nosuchfamily" }, 3, 3, "addr")
  end)

  it("rejects a filesystem unix path with an embedded NUL", function()
    local s <close> = assert(lsock.socket("unix", "dgram"))
    expect_argerror(caller(":", "bind"), s, { "/tmp/a\0b" }, 1, 1, "bind")
    expect_argerror(caller(".", "addr"), lsock, { "/tmp/a\0b" }, 1, 1, "addr")
  end)

  it("rejects numeric constants outside the C int range instead of wrapping", function()
    -- 2^32 + 2 must not silently become AF_INET (2), and so on.
    local big = 1 << 32
    local sock = caller(".", "socket")
    expect_argerror(sock, lsock, { big + lsock.AF_INET, "stream" }, 2, 1, "socket")
    expect_argerror(sock, lsock, { "inet", big + lsock.SOCK_STREAM }, 2, 2, "socket")
    expect_argerror(sock, lsock, { "inet", "stream", big + lsock.IPPROTO_TCP }, 3, 3, "socket")
    local s <close> = assert(lsock.socket("inet", "dgram"))
    expect_argerror(caller(":", "shutdown"), s, { big + lsock.SHUT_WR }, 1, 1, "shutdown")
    expect_argerror(caller(":", "recv"), s, { 1, big + lsock.MSG_DONTWAIT }, 2, 2, "recv")
    expect_argerror(caller(":", "getsockopt"), s, { big + lsock.SOL_SOCKET, lsock.SO_TYPE },
      2, 1, "getsockopt")
    expect_argerror(caller(":", "getsockopt"), s, { lsock.SOL_SOCKET, big + lsock.SO_TYPE },
      2, 2, "getsockopt")
  end)

  it("rejects a size that cannot be a buffer", function()
    local s <close> = assert(lsock.socket("inet", "dgram"))
    for _, size in ipairs { -1, math.mininteger, math.maxinteger, 1 << 40 } do
      expect_argerror(caller(":", "recv"), s, { size }, 1, 1, "recv")
      expect_argerror(caller(":", "recvfrom"), s, { size }, 1, 1, "recvfrom")
    end
  end)

  it("rejects an option value of the wrong type for the option", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    local set = caller(":", "setsockopt")
    expect_argerror(set, s, { "socket", "reuseaddr", {} }, 3, 3, "setsockopt")
    expect_argerror(set, s, { "socket", "rcvbuf", "big" }, 3, 3, "setsockopt")
    expect_argerror(set, s, { "socket", "nosuchoption", 1 }, 3, 2, "setsockopt")
    expect_argerror(caller(":", "getsockopt"), s, { "tcp", "nosuchoption" }, 2, 2,
      "getsockopt")
  end)

  it("rejects bad hints and bad names in getaddrinfo", function()
    local gai = caller(".", "getaddrinfo")
    expect_argerror(gai, lsock, { {}, "80" }, 2, 1, "getaddrinfo")
    expect_argerror(gai, lsock, { "localhost", {} }, 2, 2, "getaddrinfo")
    expect_argerror(gai, lsock, { "localhost", "80", 5 }, 3, 3, "getaddrinfo")
    expect_argerror(gai, lsock, { "localhost", "80", { family = "nosuchfamily" } }, 3, 3,
      "getaddrinfo")
    expect_argerror(gai, lsock, { "localhost", "80", { socktype = "nosuchtype" } }, 3, 3,
      "getaddrinfo")
  end)

  it("rejects a self that is not a socket, whatever the method", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    for _, sig in ipairs(METHODS) do
      local method = s[sig[1]]
      for _, self in ipairs { {}, "x", 1, io.stdout, lsock.addr("127.0.0.1", 1) } do
        local ok, msg = pcall(method, self, KINDS[sig[2]][1])
        assert(not ok, sig[1] .. " accepted a bad self")
        assert.equal("string", type(msg))
      end
    end
  end)
end)

describe("a closed socket", function()
  -- Every method a socket has today (later issues add more), plus the
  -- foundation ones by name so none can go missing unnoticed.
  local FOUNDATION = {
    "bind", "listen", "connect", "accept", "send", "sendall", "recv", "sendto",
    "recvfrom", "shutdown", "setsockopt", "getsockopt", "settimeout", "gettimeout",
    "setblocking", "getsockname", "getpeername", "fileno", "detach", "dup",
    "family", "type", "protocol",
  }
  local probe = assert(lsock.socket("inet", "dgram"))
  local names, seen = {}, {}
  for _, name in ipairs(FOUNDATION) do
    names[#names + 1], seen[name] = name, true
  end
  local index = getmetatable(probe).__index
  if type(index) == "table" then
    for name, v in pairs(index) do
      if not seen[name] and type(v) == "function" and name ~= "close"
        and not name:find("^__") then
        names[#names + 1], seen[name] = name, true
      end
    end
  end
  probe:close()
  table.sort(names)

  local ARGS = {
    bind = { "127.0.0.1", 0 }, connect = { "127.0.0.1", 9 }, send = { "x" },
    sendall = { "x" }, recv = { 1 }, sendto = { "x", "127.0.0.1", 9 }, recvfrom = { 1 },
    shutdown = { "rdwr" }, setsockopt = { "socket", "reuseaddr", true },
    getsockopt = { "socket", "reuseaddr" }, settimeout = { 1 }, setblocking = { true },
  }

  for _, name in ipairs(names) do
    it(name .. " raises \"attempt to use a closed socket\"", function()
      local s = assert(lsock.socket("inet", "dgram"))
      assert(type(s[name]) == "function", "socket has no method " .. name)
      s:close()
      local args = ARGS[name] or {}
      local ok, msg = pcall(s[name], s, table.unpack(args))
      assert(not ok, name .. " did not raise on a closed socket")
      assert.truthy(tostring(msg):find("attempt to use a closed socket", 1, true))
    end)
  end

  it("close is harmless and tostring says closed", function()
    local s = assert(lsock.socket("inet", "dgram"))
    s:close()
    assert.is_true(s:close())
    assert.truthy(tostring(s):find("closed", 1, true))
  end)
end)

describe("odd arguments", function()
  it("never crash the interpreter", function()
    -- In a child process, so a crash is reported instead of killing busted.
    local p = helper.lua([=[
local lsock = require "lsock"
local odd = { false, true, {}, -1, 0, 1.5, 2^53, math.mininteger, math.maxinteger,
  math.huge, -math.huge, 0/0, print, io.stdout, coroutine.create(print) }
-- Good arguments for each method; each position in turn (and one past the
-- end) is replaced by each odd value.
local base = {
  listen = { 1 }, accept = {}, send = { "x", 0, 1, 1 }, sendall = { "x", 1, 1 },
  recv = { 1, 0 }, recvfrom = { 1, 0 }, shutdown = { "rd" },
  setsockopt = { "socket", "rcvbuf", 4096 }, getsockopt = { "socket", "rcvbuf" },
  getsockname = {}, getpeername = {}, fileno = {}, dup = {}, family = {}, type = {},
  protocol = {}, gettimeout = {},
}
local calls = 0
local function try(f, ...) pcall(f, ...) calls = calls + 1 end
local s = assert(lsock.socket("inet", "dgram"))
assert(s:bind("127.0.0.1", 0))
for name, args in pairs(base) do
  for pos = 1, #args + 1 do
    for _, v in ipairs(odd) do
      s:settimeout(0)
      local a = { table.unpack(args) }
      a[pos] = v
      try(s[name], s, table.unpack(a, 1, math.max(#args, pos)))
    end
  end
end
-- Only non-strings, non-numbers where an address goes: a string would be
-- looked up as a host name.
for _, name in ipairs { "bind", "connect", "sendto" } do
  for _, v in ipairs { false, true, {}, print, io.stdout, lsock.addr("::1", 9),
                       lsock.addr("\0lsock-odd"), lsock.addr("/nonexistent/x") } do
    s:settimeout(0)
    if name == "sendto" then
      try(s.sendto, s, "x", v)
      try(s.sendto, s, "x", "127.0.0.1", v)
    else
      try(s[name], s, v)
      try(s[name], s, "127.0.0.1", v)
    end
  end
end
for _, v in ipairs(odd) do
  try(lsock.socket, v, "dgram")
  try(lsock.socket, "inet", v)
  try(lsock.socket, "inet", "dgram", v)
  try(lsock.socketpair, "unix", v)
  try(lsock.addr, v)
  try(lsock.addr, "127.0.0.1", v)
  try(lsock.addr, "*", 1, v)
end
for _, v in ipairs { -1, 0, 1, 2^31, math.maxinteger } do
  s:settimeout(0)
  try(s.recv, s, 0, v)
  try(s.settimeout, s, v)
end
for _, v in ipairs(odd) do try(s.settimeout, s, v) end
s:settimeout(0)
assert(s:getsockname().port > 0)
collectgarbage()
print("survived " .. calls .. " calls")
]=])
    defer(function() p:cleanup() end)
    local out, code = p:finish()
    assert.equal(0, code, "child failed:\n" .. p:stderr())
    assert.truthy(out:find("^survived %d+ calls"))
  end)
end)
