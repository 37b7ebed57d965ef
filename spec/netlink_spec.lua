-- Netlink sockets against the kernel: rtnetlink dumps agree with `ip`,
-- address notifications reach a subscribed socket (inside a network
-- namespace this spec makes), errors come back as NLMSG_ERROR with their
-- errno, sock_diag sees the spec's own loopback sockets, and bad input is
-- an error, never a crash.
local helper = require "helper"
local netns = require "spec.support_netns"
local lsock = helper.lsock
local nl = lsock.netlink

local IFINFO, IFADDR = "=BxI2i4I4I4", "=BBBBI4"

local function route()
  local s = assert(lsock.socket("netlink", "raw", "route"))
  assert(s:bind(lsock.addr { family = "netlink" }))
  return s
end

local ip = require "support_ip"

local function links(s)
  local t = {}
  for _, m in ipairs(assert(nl.request(s, nl.RTM_GETLINK, nl.NLM_F_DUMP,
                                       IFINFO:pack(0, 0, 0, 0, 0)))) do
    local _, _, index = IFINFO:unpack(m.payload)
    local _, a = assert(nl.attrs(m.payload, 17))
    t[index] = nl.cstring(a[nl.IFLA_IFNAME])
  end
  return t
end

describe("netlink sockets", function()
  it("open by protocol name or number, bind, and report pid and groups", function()
    local s = route()
    local me = s:getsockname()
    assert.equal("netlink", me.family)
    assert.is_true(me.pid > 0)
    assert.equal(0, me.groups)
    assert.equal(("netlink:%d/0x0"):format(me.pid), tostring(me))
    s:close()
    local d = assert(lsock.socket("netlink", "dgram", lsock.NETLINK_SOCK_DIAG))
    d:close()
    for _, name in ipairs { "sock_diag", "generic", "netfilter", "kobject_uevent" } do
      local x, err = lsock.socket("netlink", "raw", name)
      -- kobject_uevent and netfilter exist in every kernel lsock supports
      assert.truthy(x, err)
      x:close()
    end
  end)

  it("makes addresses from tables and compares them", function()
    local a = lsock.addr { family = "netlink", pid = 0, groups = nl.RTMGRP_IPV4_IFADDR }
    assert.equal(0, a.pid)
    assert.equal(0x10, a.groups)
    assert.equal("netlink:0/0x10", tostring(a))
    assert.equal(a, lsock.addr { family = "netlink", groups = 0x10 })
    assert.equal(lsock.addr("127.0.0.1", 80),
                 lsock.addr { family = "inet", host = "127.0.0.1", port = 80 })
    assert.equal(lsock.addr("fe80::1%lo", 5),
                 lsock.addr { family = "inet6", host = "fe80::1", port = 5, scope = "lo" })
    assert.equal(7, lsock.addr { family = "inet6", host = "::1", flowinfo = 7 }.flowinfo)
    assert.equal("/tmp/x.sock", lsock.addr { family = "unix", path = "/tmp/x.sock" }.path)
    assert.equal("0.0.0.0:0", tostring(lsock.addr { family = "inet" }))
  end)

  it("an RTM_GETLINK dump gives the names and indices of `ip -o link`", function()
    local s = route()
    local mine = links(s)
    s:close()
    local n = 0
    for _, link in ipairs(ip.links()) do
      assert.equal(link.name, mine[link.index])
      n = n + 1
    end
    local count = 0
    for _ in pairs(mine) do count = count + 1 end
    assert.equal(n, count)
    assert.is_true(n >= 1)
  end)

  it("an RTM_GETADDR dump gives the addresses of `ip -o addr`", function()
    local s = route()
    local names = links(s)
    local mine = {}
    for _, m in ipairs(assert(nl.request(s, nl.RTM_GETADDR, nl.NLM_F_DUMP,
                                         IFADDR:pack(0, 0, 0, 0, 0)))) do
      local family, plen, _, _, index = IFADDR:unpack(m.payload)
      local _, a = assert(nl.attrs(m.payload, 9))
      local fam = family == lsock.AF_INET and "inet" or "inet6"
      mine[#mine + 1] = ("%s %s %s/%d"):format(names[index], fam,
        lsock.inet_ntop(fam, a[nl.IFA_LOCAL] or a[nl.IFA_ADDRESS]), plen)
    end
    s:close()
    local theirs = {}
    for _, a in ipairs(ip.addrs()) do
      theirs[#theirs + 1] = ("%s %s %s"):format(a.name, a.family, a.addr)
    end
    table.sort(mine)
    table.sort(theirs)
    assert.same(theirs, mine)
  end)

  it("a bad request gets NLMSG_ERROR with its errno, and ext_ack text", function()
    local s = route()
    assert(s:setsockopt("netlink", "ext_ack", true))
    assert.is_true(s:getsockopt("netlink", "ext_ack"))
    -- an address on an interface index that does not exist
    local req = IFADDR:pack(lsock.AF_INET, 24, 0, 0, 0x7ffffff0)
                .. nl.attr(nl.IFA_LOCAL, "\10\0\0\1")
    local ok, err, code = nl.request(s, nl.RTM_NEWADDR, nl.NLM_F_ACK | nl.NLM_F_CREATE, req)
    assert.is_nil(ok)
    assert.equal(lsock.errno.ENODEV, code)
    assert.matches(lsock.strerror(lsock.errno.ENODEV), err, 1, true)
    -- the raw reply, walked by hand: NLMSG_ERROR carries the errno
    assert(s:sendto(nl.pack(nl.RTM_NEWADDR, nl.NLM_F_REQUEST | nl.NLM_F_ACK, 77, req),
                    lsock.addr { family = "netlink" }))
    s:settimeout(5)
    local buf, from = assert(s:recvfrom(65536))
    assert.equal(0, from.pid)  -- the kernel
    local msgs = assert(nl.messages(buf))
    assert.equal(nl.NLMSG_ERROR, msgs[1].type)
    assert.equal(77, msgs[1].seq)
    assert.equal(lsock.errno.ENODEV, msgs[1].errno)
    s:close()
  end)

  it("a truncated reply is a clear error, not a crash", function()
    local s = route()
    assert(s:sendto(nl.pack(nl.RTM_GETLINK, nl.NLM_F_REQUEST | nl.NLM_F_DUMP, 5,
                            IFINFO:pack(0, 0, 0, 0, 0)),
                    lsock.addr { family = "netlink" }))
    s:settimeout(5)
    local buf = assert(s:recv(65536))
    s:close()
    local ok, err = nl.messages(buf:sub(1, #buf - 3))
    assert.is_nil(ok)
    assert.matches("^truncated netlink message at byte %d+", err)
    ok, err = nl.messages(buf:sub(1, 10))
    assert.is_nil(ok)
    assert.matches("truncated", err)
    ok, err = nl.attrs(("=I2I2"):pack(20, nl.IFLA_IFNAME) .. "eth", 1)
    assert.is_nil(ok)
    -- a position before the start raises (string.unpack would count it
    -- from the end, and the walk would never end)
    assert.has_error(function() nl.attrs("abcd", math.mininteger) end)
    assert.has_error(function() nl.attrs("abcd", 0) end)
    assert.matches("^truncated attribute", err)
    -- every prefix of a real reply: a list or an error, nothing else
    for i = 0, math.min(#buf, 600) do
      local r, e = nl.messages(buf:sub(1, i))
      assert.truthy(r or e)
    end
  end)

  it("rejects unknown protocol names and bad address fields", function()
    local ok, err = pcall(lsock.socket, "netlink", "raw", "routing")
    assert.is_false(ok)
    assert.matches("bad argument #3 .*unknown netlink protocol 'routing'", err)
    assert.has_error(function() lsock.addr { family = "netlink", pid = -1 } end)
    assert.has_error(function() lsock.addr { family = "netlink", groups = "x" } end)
    assert.has_error(function() lsock.addr { pid = 1 } end)
    assert.has_error(function() lsock.addr { family = "inet", port = 70000 } end)
    local s = route()
    assert.has_error(function() s:setsockopt("netlink", "add_membership", "x") end)
    assert.has_error(function() s:getsockopt("netlink", "add_membership") end)
    s:close()
  end)
end)

describe("examples/iplink.lua", function()
  local function iplink(...)
    local p = helper.example("iplink.lua", { ... })
    local out, code = p:finish()
    local err = p:stderr()
    p:cleanup()
    return out, code, err
  end

  it("prints its usage on -h and on bad arguments", function()
    local out, code = iplink("-h")
    assert.equal(0, code)
    assert.truthy(out:find("^usage: iplink%.lua"))
    local out2, code2 = iplink("route")
    assert.equal(2, code2)
    assert.equal("", out2)
  end)

  it("lists the links and addresses `ip -o link` and `ip -o addr` list", function()
    local out, code, err = iplink("link")
    assert.equal(0, code, err)
    local mine = {}
    for index, name, flags in out:gmatch("(%d+): (%S+): <([^>]*)>") do
      mine[#mine + 1] = index .. " " .. name .. (flags:find("UP") and " up" or "")
    end
    local theirs = {}
    for _, link in ipairs(ip.links()) do
      theirs[#theirs + 1] = link.index .. " " .. link.name .. (link.up and " up" or "")
    end
    assert.same(theirs, mine)
    out, code, err = iplink("addr")
    assert.equal(0, code, err)
    mine, theirs = {}, {}
    for line in out:gmatch("[^\n]+") do mine[#mine + 1] = line end
    for _, a in ipairs(ip.addrs()) do
      theirs[#theirs + 1] = ("%d: %s %s %s"):format(a.index, a.name, a.family, a.addr)
    end
    table.sort(mine)
    table.sort(theirs)
    assert.same(theirs, mine)
  end)
end)

describe("netlink inside a network namespace", function()
  local net
  setup(function() net = netns.single() end)
  teardown(function()
    if net then net:destroy() end
    netns.cleanup()
  end)

  it("an RTM_NEWADDR on a veth reaches a socket subscribed to RTMGRP_IPV4_IFADDR", function()
    assert(net:exec("a", "ip link add lkv0 type veth peer name lkv1"))
    local p = net:lua("a", [[
local lsock = require "lsock"
local nl = lsock.netlink
local s = assert(lsock.socket("netlink", "raw", "route"))
assert(s:bind(lsock.addr { family = "netlink", groups = nl.RTMGRP_IPV4_IFADDR }))
-- and by the option, the group number form
assert(s:setsockopt("netlink", "add_membership", nl.RTNLGRP_IPV6_IFADDR))
print("ready " .. s:getsockname().groups)
s:settimeout(10)
for _ = 1, 20 do
  local buf, from = assert(s:recvfrom(65536))
  for _, m in ipairs(assert(nl.messages(buf))) do
    if m.type == nl.RTM_NEWADDR then
      local fam, plen, _, _, index = string.unpack("=BBBBI4", m.payload)
      local _, a = assert(nl.attrs(m.payload, 9))
      print(("newaddr %d %s/%d if %d group 0x%x"):format(fam,
        lsock.inet_ntop(fam == 2 and "inet" or "inet6", a[nl.IFA_LOCAL] or a[nl.IFA_ADDRESS]),
        plen, index, from.groups))
      if fam == 2 then os.exit(0) end
    end
  end
end
]])
    local groups, out = p:expect("^ready (%d+)$")
    assert.equal(tostring(0x10 | 0x100), groups, out)  -- bind plus option
    local ok, err = net:exec("a", "ip addr add 10.98.0.7/24 dev lkv0")
    assert(ok, err)
    local line = p:expect("^newaddr 2 .*$")
    local _, idx = net:exec("a", "cat /sys/class/net/lkv0/ifindex")
    assert.equal(("newaddr 2 10.98.0.7/24 if %d group 0x10"):format(tonumber(idx)), line)
    p:finish()
  end)
end)
