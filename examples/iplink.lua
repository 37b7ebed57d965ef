-- iplink.lua: the machine's interfaces and addresses, asked of the kernel
-- over rtnetlink like `ip -o link` and `ip -o addr`: an RTM_GETLINK and an
-- RTM_GETADDR dump, each a multi-part reply walked with lsock.netlink.
--   lua5.4 examples/iplink.lua link    # 1: lo: <UP,LOOPBACK,...> mtu 65536 ...
--   lua5.4 examples/iplink.lua addr    # 1: lo inet 127.0.0.1/8
-- The structures after the netlink header are packed by hand: ifinfomsg
-- (family, type, index, flags, change) and ifaddrmsg (family, prefix
-- length, flags, scope, index), then attributes.
local lsock = require "lsock"
local nl = lsock.netlink

local USAGE = [[
usage: iplink.lua [link|addr]
  link  one line per interface: index, name, flags, mtu, hardware address
  addr  one line per address: index, name, family, address/prefix
  (default: link)]]

local mode = arg[1] or "link"
if mode == "-h" or mode == "--help" then io.stdout:write(USAGE, "\n"); os.exit(0) end
if (mode ~= "link" and mode ~= "addr") or arg[2] then
  io.stderr:write(USAGE, "\n"); os.exit(2)
end

-- include/uapi/linux/if.h, in the order `ip` prints them.
local IFF = {
  { 0x400, "MASTER" }, { 0x800, "SLAVE" }, { 0x10, "POINTOPOINT" }, { 0x2, "BROADCAST" },
  { 0x1000, "MULTICAST" }, { 0x8, "LOOPBACK" }, { 0x80, "NOARP" }, { 0x200, "ALLMULTI" },
  { 0x100, "PROMISC" }, { 0x1, "UP" }, { 0x10000, "LOWER_UP" },
}

local function hex(bytes)
  return (bytes:gsub(".", function(c) return ("%02x:"):format(c:byte()) end):sub(1, -2))
end

local s = assert(lsock.socket("netlink", "raw", "route"))
assert(s:bind(lsock.addr { family = "netlink" }))

-- ifinfomsg: family, pad, type, index, flags, change.
local IFINFO, IFINFOLEN = "=BxI2i4I4I4", 16
local names = {}
local links = assert(nl.request(s, nl.RTM_GETLINK, nl.NLM_F_DUMP, IFINFO:pack(0, 0, 0, 0, 0)))
local lines = {}
for _, m in ipairs(links) do
  if m.type == nl.RTM_NEWLINK then
    local _, hatype, index, flags = IFINFO:unpack(m.payload)
    local _, a = assert(nl.attrs(m.payload, IFINFOLEN + 1))
    local name = nl.cstring(a[nl.IFLA_IFNAME] or "?")
    names[index] = name
    local f = {}
    for _, b in ipairs(IFF) do
      if flags & b[1] ~= 0 then f[#f + 1] = b[2] end
    end
    local mtu = a[nl.IFLA_MTU] and ("=I4"):unpack(a[nl.IFLA_MTU]) or 0
    local kind = hatype == 772 and "loopback" or hatype == 1 and "ether" or tostring(hatype)
    lines[#lines + 1] = ("%d: %s: <%s> mtu %d link/%s %s"):format(index, name,
      table.concat(f, ","), mtu, kind, hex(a[nl.IFLA_ADDRESS] or ""))
  end
end

if mode == "addr" then
  lines = {}
  -- ifaddrmsg: family, prefix length, flags, scope, index.
  local IFADDR, IFADDRLEN = "=BBBBI4", 8
  local addrs = assert(nl.request(s, nl.RTM_GETADDR, nl.NLM_F_DUMP, IFADDR:pack(0, 0, 0, 0, 0)))
  for _, m in ipairs(addrs) do
    if m.type == nl.RTM_NEWADDR then
      local family, plen, _, _, index = IFADDR:unpack(m.payload)
      local _, a = assert(nl.attrs(m.payload, IFADDRLEN + 1))
      -- IFA_LOCAL is the local address; IFA_ADDRESS the peer's on
      -- point-to-point links, so the local one is preferred.
      local bytes = a[nl.IFA_LOCAL] or a[nl.IFA_ADDRESS]
      local fam = family == lsock.AF_INET and "inet" or "inet6"
      lines[#lines + 1] = ("%d: %s %s %s/%d"):format(index, names[index] or "?", fam,
        lsock.inet_ntop(fam, bytes), plen)
    end
  end
end
s:close()
io.stdout:write(table.concat(lines, "\n"), "\n")
