-- lsock.getifaddrs against `ip -o link` and `ip -o addr`: the same
-- interfaces, indices, flags and addresses, as sockaddrs.
local helper = require "helper"
local lsock = helper.lsock

local function sh(cmd)
  local p = assert(io.popen(helper.CLEAN_ENV .. " " .. cmd))
  local out = p:read("a")
  p:close()
  return out
end

-- The prefix length of a netmask sockaddr.
local function prefix(mask)
  local bits = 0
  local bytes = lsock.inet_pton(mask.family, mask.host)
  for i = 1, #bytes do
    local b = bytes:byte(i)
    while b & 0x80 ~= 0 do bits, b = bits + 1, (b << 1) & 0xff end
  end
  return bits
end

describe("lsock.getifaddrs", function()
  local list = assert(lsock.getifaddrs())

  it("lists every interface of `ip -o link` with its index and flags", function()
    local seen = {}
    for _, i in ipairs(list) do
      assert.is_string(i.name)
      assert.equal(math.type(i.index), "integer")
      assert.is_table(i.flags)
      seen[i.name] = i
    end
    local n = 0
    for line in sh("ip -o link"):gmatch("[^\n]+") do
      local index, name, flags = line:match("^(%d+): ([^:@ ]+)[^:]*: <([^>]*)>")
      local mine = seen[name]
      assert.truthy(mine, "no entry for " .. name)
      assert.equal(tonumber(index), mine.index)
      for f in flags:gmatch("[^,]+") do
        if f == "UP" or f == "LOOPBACK" or f == "BROADCAST" or f == "MULTICAST"
           or f == "NOARP" or f == "LOWER_UP" or f == "POINTOPOINT" then
          assert.is_true(mine.flags[f:lower()], name .. " " .. f)
        end
      end
      n = n + 1
    end
    assert.is_true(n >= 1)
    assert.is_true(seen.lo.flags.loopback)
  end)

  it("gives the addresses and prefixes of `ip -o addr`", function()
    local mine = {}
    for _, i in ipairs(list) do
      if i.addr and (i.addr.family == "inet" or i.addr.family == "inet6") then
        mine[#mine + 1] = ("%s %s %s/%d"):format(i.name, i.addr.family,
          i.addr.host:gsub("%%.*", ""), prefix(i.netmask))
      end
    end
    local theirs = {}
    for line in sh("ip -o addr"):gmatch("[^\n]+") do
      local name, fam, addr = line:match("^%d+: ([^:@ ]+)%s+(%S+) (%S+)")
      theirs[#theirs + 1] = ("%s %s %s"):format(name, fam, addr)
    end
    table.sort(mine)
    table.sort(theirs)
    assert.same(theirs, mine)
  end)

  it("gives broadcast addresses where ip shows brd, and packet-family entries", function()
    for line in sh("ip -o -4 addr"):gmatch("[^\n]+") do
      local name, addr, brd = line:match("^%d+: ([^:@ ]+)%s+inet ([%d.]+)/%d+ brd ([%d.]+)")
      if name then
        local found
        for _, i in ipairs(list) do
          if i.name == name and i.addr and i.addr.host == addr then found = i end
        end
        assert.truthy(found)
        assert.equal(brd, found.broadaddr.host)
      end
    end
    for _, i in ipairs(list) do
      if i.addr and i.addr.family == "packet" then
        assert.equal(i.index, i.addr.ifindex)
        assert.is_string(i.addr.address)
        assert.is_true(#i.addr.address <= 8)
      end
    end
  end)
end)
