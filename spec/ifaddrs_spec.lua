-- lsock.getifaddrs against `ip -o link` and `ip -o addr`: the same
-- interfaces, indices, flags and addresses, as sockaddrs.
-- The broadcast addresses are only read (from getifaddrs and `ip`):
-- nothing is sent, so this spec needs no network namespace (netns); the
-- specs that send broadcast make their own (spec/support_netns.lua).
local helper = require "helper"
local lsock = helper.lsock

local ip = require "support_ip"

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
    for _, link in ipairs(ip.links()) do
      local name = link.name
      local mine = seen[name]
      assert.truthy(mine, "no entry for " .. name)
      assert.equal(link.index, mine.index)
      for _, f in ipairs(link.flags) do
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
    for _, a in ipairs(ip.addrs()) do
      theirs[#theirs + 1] = ("%s %s %s"):format(a.name, a.family, a.addr)
    end
    table.sort(mine)
    table.sort(theirs)
    assert.same(theirs, mine)
  end)

  it("gives broadcast addresses where ip shows brd, and packet-family entries", function()
    for _, a in ipairs(ip.addrs("-4")) do
      if a.brd then
        local host = a.addr:match("^[^/]+")
        local found
        for _, i in ipairs(list) do
          if i.name == a.name and i.addr and i.addr.host == host then found = i end
        end
        assert.truthy(found)
        assert.equal(a.brd, found.broadaddr.host)
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
