-- The option sweep: every settable row of lsock.options() on every socket
-- kind, given wrong-typed, boundary and out-of-range values (floats, NaN,
-- +-2^63, numeric and other strings, strings with a NUL, missing or
-- shifting table fields).  Each call must raise an argument error, or be
-- refused by the kernel (nil, msg, errno), or store what the documented
-- coercion makes of the value: it reads back equal to a twin socket given
-- that canonical value (so kernel rounding is allowed, a silent 0 or a
-- truncated name is not), and a value with no canonical form must never
-- be accepted.  Usage: lua5.4 bench/fuzz/options.lua, only inside a
-- network namespace (netns) that its caller made, with only lo up (make
-- fuzz and spec/hardening_spec.lua run it under `unshare -n`): rows join
-- multicast groups and packet sockets are made.  Prints one line per
-- violation and a summary; exits 1 on any violation.
local lsock = require "lsock"

local INT_MIN, INT_MAX = -2147483648, 2147483647
local LO = lsock.if_nametoindex("lo")

-- Packet sockets only where no interface but lo exists.
local private = true
for _, i in ipairs(assert(lsock.getifaddrs())) do
  if i.name ~= "lo" then private = false end
end

local makers = {
  tcp4 = function() return lsock.socket("inet", "stream") end,
  tcp6 = function() return lsock.socket("inet6", "stream") end,
  udp4 = function() return lsock.socket("inet", "dgram") end,
  udp6 = function() return lsock.socket("inet6", "dgram") end,
  unixstream = function() return lsock.socket("unix", "stream") end,
  unixdgram = function() return lsock.socket("unix", "dgram") end,
  raw4 = function() return lsock.socket("inet", "raw", "icmp") end,
  raw6 = function() return lsock.socket("inet6", "raw", "icmpv6") end,
  netlink = function() return lsock.socket("netlink", "raw", "route") end,
  packet = private and function() return lsock.socket("packet", "raw", "all") end
           or nil,
}
local KINDS = {}
for k in pairs(makers) do KINDS[#KINDS + 1] = k end
table.sort(KINDS)

local NaN, INF = 0 / 0, 1 / 0
local function nul(s) return s .. "\0x" end

-- A table whose fields come from __index, each read logged, and whose
-- answers shift: the first read of a field gives first[k], later ones
-- junk.  The canonical value is judged on what was read first.
local function shifting(first)
  local seen = {}
  return setmetatable({}, { __index = function(_, k)
    if seen[k] then return print end
    seen[k] = true
    return first[k]
  end, __name = "shifting" }), first
end

local function toint(v)
  if type(v) == "string" then v = tonumber(v) end
  return math.type(v) and math.tointeger(v) or nil
end

local function int32(v)
  local i = toint(v)
  return i and i >= INT_MIN and i <= INT_MAX and i or nil
end

local function noNUL(s)
  return type(s) == "string" and not s:find("\0", 1, true)
end

-- The interface of a multicast value: nil, an index, a name or address.
local function canoniface(v, v4)
  if v == nil then return true end
  if math.type(v) then
    local i = math.tointeger(v)
    return i ~= nil and i >= 0 and i <= INT_MAX
  end
  if noNUL(v) then return v4 or not v:find("^%d+%.") end
  return false
end

local SCALARS = { 0, 1, -1, 7, 3.0, 2.5, -0.5, NaN, INF, -INF, 1 << 31,
                  INT_MIN - 1, INT_MAX, INT_MIN, math.maxinteger,
                  math.mininteger, 2.0 ^ 63, -2.0 ^ 63, "5", "abc", "",
                  "7\0", true, false, {}, print }

-- Per kind: the values, and canonical(v) -> the value a correct library
-- stores (then the twin gets it), or nil when v must not be accepted.
local KIND = {}

KIND.int = { values = SCALARS, canonical = int32 }

KIND.bool = { values = SCALARS, canonical = function(v)
  if type(v) == "boolean" then return v end
  local i = int32(v)
  if i == nil then return nil end
  return i ~= 0
end }

KIND.time = { values = { 0, 0.5, 1, 1e-7, 3, -1, -0.0, NaN, INF, 1e14, 1e15,
                         1e16, "1", true, {}, math.maxinteger, -2.0 ^ 63 },
  canonical = function(v)
    if type(v) ~= "number" or v ~= v or v < 0 or v >= 1e15 then return nil end
    return v
  end }

local function lingers()
  local t = {}
  for _, onoff in ipairs { true, false, 1, 0, 2, -1, 1.0, 0.5, "1", "x", NaN } do
    for _, secs in ipairs { 0, 3, 3.0, 2.5, -1, "3", "abc", INT_MAX,
                            INT_MAX + 1, math.maxinteger, NaN, false } do
      t[#t + 1] = { onoff = onoff, linger = secs }
    end
    t[#t + 1] = { onoff = onoff }
  end
  t[#t + 1] = { linger = 5 }
  t[#t + 1] = {}
  t[#t + 1] = 5
  t[#t + 1] = "x"
  t[#t + 1] = { shift = { onoff = true, linger = 4 } }
  return t
end

KIND.linger = { values = lingers(), canonical = function(v, log)
  v = log or v
  if type(v) ~= "table" then return nil end
  local onoff = v.onoff
  if type(onoff) ~= "boolean" then
    if math.type(onoff) == nil then return nil end
    onoff = math.tointeger(onoff)
    if onoff ~= 0 and onoff ~= 1 then return nil end
    onoff = onoff == 1
  end
  local secs = math.type(v.linger) and math.tointeger(v.linger)
  if not secs or secs < 0 or secs > INT_MAX then return nil end
  return { onoff = onoff, linger = secs }
end }

KIND.string = { values = { "lo", "", nul("lo"), "cubic", "reno", nul("cubic"),
                           ("a"):rep(15), ("a"):rep(16), ("lo"):rep(40),
                           "nosuchdev0", 5, true, {} },
  canonical = function(v)
    if type(v) ~= "string" then return nil end
    return v  -- and it must read back as given, untruncated
  end, exact = true }

KIND.ifindex = { values = { 0, LO, -1, 2.5, 1 << 31, math.maxinteger, "lo",
                            nul("lo"), "nosuchif", NaN, true, {} },
  canonical = function(v)
    if math.type(v) then
      local i = math.tointeger(v)
      return i and i >= 0 and i <= INT_MAX and i or nil
    end
    if noNUL(v) then return v end
    return nil
  end }

KIND.ip_mreqn_if = { values = { "127.0.0.1", nul("127.0.0.1"), "0.0.0.0",
                                LO, -1, 2.5, "lo", nul("lo"),
                                { address = "127.0.0.1" },
                                { address = nul("127.0.0.1") },
                                { ifindex = LO }, { ifindex = 2.5 }, {}, true,
                                NaN, 1 << 40 },
  canonical = function(v)
    if type(v) == "table" then
      if v.address ~= nil and not noNUL(v.address) then return nil end
      if not canoniface(v.ifindex, false) then return nil end
      return v
    end
    if canoniface(v, true) and v ~= nil then return v end
    return nil
  end }

-- Write-only multicast memberships: a value is accepted or not; only
-- values with a canonical form may be.
local function mreqs(group, source, withsource)
  local t = {}
  for _, g in ipairs { group, nul(group), 5, true } do
    for _, i in ipairs { false, LO, 2.5, -1, 1 << 40, "lo", nul("lo"),
                         "127.0.0.1", nul("127.0.0.1"), NaN } do
      for _, s in ipairs(withsource and { source, nul(source), 7 } or { false }) do
        local v = { multiaddr = g }
        if i then v.interface = i end
        if s then v.sourceaddr = s end
        t[#t + 1] = v
      end
    end
    if not withsource then t[#t + 1] = g end
  end
  t[#t + 1] = {}
  t[#t + 1] = { shift = { multiaddr = group, interface = LO,
                         sourceaddr = source } }
  return t
end

local function canonmreq(v, log, withsource)
  v = log or v
  if type(v) == "string" then return (not withsource and noNUL(v)) and v or nil end
  if type(v) ~= "table" then return nil end
  if not noNUL(v.multiaddr) then return nil end
  if withsource and not noNUL(v.sourceaddr) then return nil end
  if not canoniface(v.interface, true) then return nil end
  return v
end

local GROUPS = {
  ip = { "225.0.0.10", "232.1.1.1", "127.0.0.2" },
  ipv6 = { "ff12::10", "ff32::8000:1", "::1" },
}
local function mreqkind(level, withsource)
  local g = GROUPS[level] or GROUPS.ip
  local group = withsource and g[2] or g[1]
  return { values = mreqs(group, g[3], withsource), writeonly = true,
           canonical = function(v, log) return canonmreq(v, log, withsource) end }
end

local function kindof(row)
  if row.kind == "ip_mreqn" or row.kind == "ipv6_mreq" then
    return mreqkind(row.level, false)
  elseif row.kind == "ip_mreq_source" or row.kind == "group_source_req" then
    return mreqkind(row.level, true)
  elseif row.kind == "packet_mreq" then
    return { values = { {}, 5, { ifindex = LO, type = "promisc" },
                        { ifindex = 2.5, type = "promisc" },
                        { ifindex = LO, type = nul("promisc") },
                        { ifindex = LO, type = "promisc", address = 5 } },
             writeonly = true, canonical = function(v)
               if type(v) ~= "table" or math.tointeger(v.ifindex or 0.5) == nil
                 or not noNUL(v.type) or (v.address ~= nil and not noNUL(v.address))
               then return nil end
               return v
             end }
  end
  return KIND[row.kind]
end

local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b or (a ~= a and b ~= b) end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) ~= "table" then return tostring(v) end
  local t = {}
  for k, x in pairs(v) do t[#t + 1] = tostring(k) .. "=" .. show(x) end
  table.sort(t)
  return "{" .. table.concat(t, ", ") .. "}"
end

local violations, stats = {}, { calls = 0, raised = 0, refused = 0, stored = 0 }
local function violation(...)
  violations[#violations + 1] = table.concat({ ... }, "\t")
  print("violation", ...)
end

local function try(kindname, row, k, value, log)
  local s = makers[kindname]()
  if not s then return end
  stats.calls = stats.calls + 1
  local where = ("%s.%s on %s = %s"):format(row.level, row.name, kindname,
                                            show(log or value))
  local ok, r, msg, code = pcall(s.setsockopt, s, row.level, row.name, value)
  local canon = k.canonical(value, log)
  if not ok then
    stats.raised = stats.raised + 1
    if type(r) ~= "string" or not r:find("bad argument", 1, true) then
      violation(where, "raised something else than an argument error: " .. tostring(r))
    end
  elseif r == nil then
    stats.refused = stats.refused + 1
    if type(msg) ~= "string" or math.type(code) ~= "integer" then
      violation(where, "failed without msg, errno")
    end
  elseif r ~= true then
    violation(where, "returned " .. show(r))
  elseif canon == nil then
    violation(where, "accepted a value with no canonical form")
  elseif row.get and not k.writeonly then
    stats.stored = stats.stored + 1
    local got = s:getsockopt(row.level, row.name)
    if k.exact then
      if not same(got, canon) then
        violation(where, "reads back " .. show(got))
      end
    else
      local twin = makers[kindname]()
      local tok = twin:setsockopt(row.level, row.name, canon)
      local want = tok and twin:getsockopt(row.level, row.name)
      twin:close()
      if not tok then
        violation(where, "accepted, but its canonical value " .. show(canon)
                  .. " is refused")
      elseif not same(got, want) then
        violation(where, ("reads back %s, the canonical value %s reads %s")
                  :format(show(got), show(canon), show(want)))
      end
    end
  end
  s:close()
end

for _, row in ipairs(lsock.options()) do
  local k = row.set and kindof(row)
  if k then
    for _, kindname in ipairs(KINDS) do
      -- closing a packet socket waits for an RCU grace period (tens of
      -- ms): packet sockets take only the packet level's rows
      if kindname == "packet" and row.level ~= "packet" then goto next end
      for _, v in ipairs(k.values) do
        if type(v) == "table" and v.shift then
          -- fresh for each call, judged on what its fields first said
          try(kindname, row, k, shifting(v.shift))
        else
          try(kindname, row, k, v)
        end
      end
      ::next::
    end
  elseif not row.set and row.get then
    for _, kindname in ipairs(KINDS) do
      local s = makers[kindname]()
      if s then
        local ok, err = pcall(s.getsockopt, s, row.level, row.name)
        if not ok then violation(row.level .. "." .. row.name, kindname, err) end
        s:close()
      end
    end
  end
end

print(("option sweep: %d calls (%d raised, %d refused, %d stored and read "
       .. "back), %d violations"):format(stats.calls, stats.raised,
       stats.refused, stats.stored, #violations))
os.exit(#violations == 0 and 0 or 1)
