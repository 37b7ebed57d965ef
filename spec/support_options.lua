-- The sweep over lsock.options(): for every row, set a sample value, read
-- it back and compare (read-only rows: read and check; write-only rows:
-- set, then show the kernel kept it by what a second call says).  Run as
-- a script inside a network namespace (options_spec.lua makes the netns), since the
-- membership rows join groups.  Prints one line per option:
--   level.name <TAB> ok|refused|fail <TAB> detail
-- "refused" is the kernel answering ENOPROTOOPT: the only allowed skip.
local lsock = require "lsock"
local E = lsock.errno

local function mypid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return pid
end

-- Sockets the samples ask for, made fresh for each option.
local makers = {}
function makers.udp4() return assert(lsock.socket("inet", "dgram")) end
function makers.udp6() return assert(lsock.socket("inet6", "dgram")) end
function makers.tcp4() return assert(lsock.socket("inet", "stream")) end
function makers.raw4() return assert(lsock.socket("inet", "raw", "udp")) end
function makers.unix()
  local a, b = assert(lsock.socketpair("unix", "stream"))
  b:close()
  return a
end
function makers.listening()
  local s = assert(lsock.socket("inet", "stream"))
  assert(s:bind("127.0.0.1", 0))
  assert(s:listen())
  return s
end
function makers.connected4()
  local s = assert(lsock.socket("inet", "dgram"))
  assert(s:connect("127.0.0.1", 9))
  return s
end
function makers.netlink() return assert(lsock.socket("netlink", "raw", "route")) end
-- in the sweep's own namespace: a packet socket sees only its loopback
function makers.packet() return assert(lsock.socket("packet", "raw", "all")) end
local keep = {}  -- peers of the connected TCP socket, closed at the end
function makers.tcpconn()
  local l = makers.listening()
  local c = assert(lsock.socket("inet", "stream"))
  c:settimeout(5)
  assert(c:connect(l:getsockname()))
  local a = assert(l:accept())
  keep[#keep + 1] = l
  keep[#keep + 1] = a
  return c
end

local function atleast(n)
  return function(v) return math.type(v) == "integer" and v >= n, ">= " .. n end
end

local function near(x, tolerance)
  return function(v)
    return type(v) == "number" and math.abs(v - x) <= tolerance, ("%g +- %g"):format(x, tolerance)
  end
end

-- A write-only membership row: `first` must succeed, then `again` must
-- fail with errno `code` (the kernel remembered the first), then `undo`.
local function member(level, first, value, again, code, undo, undovalue)
  return { sock = level == "ip" and "udp4" or "udp6", steps = {
    { first, value, true }, { again, value, code },
    undo and { undo, undovalue or value, true } or nil,
  } }
end

local G4 = { multiaddr = "225.0.0.10", interface = "127.0.0.1" }
local S4 = { multiaddr = "232.1.1.1", interface = "127.0.0.1",
             sourceaddr = "127.0.0.2" }
local S4i = { multiaddr = "232.1.1.1", interface = "lo", sourceaddr = "127.0.0.2" }
local B4 = { multiaddr = "225.0.0.10", interface = "127.0.0.1",
             sourceaddr = "127.0.0.3" }
local G6 = { multiaddr = "ff12::10", interface = "lo" }
local S6 = { multiaddr = "ff3e::10", interface = "lo", sourceaddr = "::1" }
local B6 = { multiaddr = "ff12::10", interface = 1, sourceaddr = "::2" }

-- Whether the namespace's loopback has IFF_ flag bit (it should: want).
local function loflag(bit, want)
  local f = assert(io.open("/sys/class/net/lo/flags"))
  local flags = tonumber(f:read("l"))
  f:close()
  return (flags & bit ~= 0) == want, ("lo flags 0x%x"):format(flags)
end

-- level.name -> { sock=, set=, want= (value or check function) }, or for
-- read-only rows { sock=, want= }, or a sequence of `steps`.
local samples = {
  ["socket.type"] = { sock = "udp4", want = lsock.SOCK_DGRAM },
  ["socket.error"] = { sock = "udp4", want = 0 },
  ["socket.acceptconn"] = { sock = "listening", want = true },
  ["socket.domain"] = { sock = "udp6", want = lsock.AF_INET6 },
  ["socket.protocol"] = { sock = "tcp4", want = lsock.IPPROTO_TCP },
  ["socket.reuseaddr"] = { set = true },
  ["socket.reuseport"] = { set = true },
  ["socket.keepalive"] = { sock = "tcp4", set = true },
  ["socket.broadcast"] = { set = true },
  ["socket.dontroute"] = { set = true },
  ["socket.oobinline"] = { sock = "tcp4", set = true },
  ["socket.linger"] = { sock = "tcp4", set = { onoff = true, linger = 7 } },
  -- The kernel doubles buffer sizes for its bookkeeping (socket(7)).
  ["socket.rcvbuf"] = { set = 65536, want = atleast(65536) },
  ["socket.sndbuf"] = { set = 65536, want = atleast(65536) },
  ["socket.rcvbufforce"] = { set = 300000, read = "rcvbuf",
                             want = atleast(300000) },
  ["socket.sndbufforce"] = { set = 300000, read = "sndbuf",
                             want = atleast(300000) },
  ["socket.rcvlowat"] = { sock = "tcp4", set = 10 },
  ["socket.sndlowat"] = { sock = "tcp4", set = 10 },
  ["socket.rcvtimeo"] = { set = 1.5 },
  -- Kept in jiffies: read back within a few milliseconds.
  ["socket.sndtimeo"] = { set = 0.25, want = near(0.25, 0.011) },
  ["socket.bindtodevice"] = { set = "lo" },
  ["socket.priority"] = { set = 3 },
  ["socket.mark"] = { set = 5 },
  ["socket.passcred"] = { sock = "unix", set = true },
  ["socket.peercred"] = { sock = "unix", want = function(v)
    return type(v) == "table" and v.pid == mypid() and math.type(v.uid) == "integer"
           and math.type(v.gid) == "integer", "{pid=own pid, uid=, gid=}"
  end },
  ["socket.timestamp"] = { set = true },
  ["socket.timestampns"] = { set = true },
  ["socket.busy_poll"] = { set = 10 },
  ["socket.incoming_cpu"] = { set = 0 },
  ["socket.cookie"] = { want = atleast(1) },
  ["ip.tos"] = { set = 0x10 },
  ["ip.ttl"] = { set = 33 },
  ["ip.hdrincl"] = { sock = "raw4", set = true },
  ["ip.pktinfo"] = { set = true },
  ["ip.recvttl"] = { set = true },
  ["ip.recvtos"] = { set = true },
  ["ip.recverr"] = { set = true },
  ["ip.mtu_discover"] = { set = lsock.IP_PMTUDISC_DO },
  ["ip.mtu"] = { sock = "connected4", want = atleast(1280) },  -- the path's
  ["ip.freebind"] = { set = true },
  ["ip.transparent"] = { set = true },
  ["ip.bind_address_no_port"] = { set = true },
  ["ip.multicast_if"] = { set = "127.0.0.1" },
  ["ip.multicast_ttl"] = { set = 7 },
  ["ip.multicast_loop"] = { set = false },
  ["ip.multicast_all"] = { set = false },
  ["ip.add_membership"] = member("ip", "add_membership", G4, "add_membership",
                                 E.EADDRINUSE, "drop_membership"),
  ["ip.drop_membership"] = { sock = "udp4", steps = {
    { "add_membership", G4, true }, { "drop_membership", G4, true },
    { "drop_membership", G4, E.EADDRNOTAVAIL } } },
  ["ip.add_source_membership"] = member("ip", "add_source_membership", S4,
    "add_source_membership", E.EADDRNOTAVAIL, "drop_source_membership"),
  ["ip.drop_source_membership"] = { sock = "udp4", steps = {
    -- by address, then by interface name (group_source_req underneath)
    { "add_source_membership", S4, true },
    { "drop_source_membership", S4i, true },
    { "drop_source_membership", S4, E.EINVAL } } },  -- no longer a member
  ["ip.block_source"] = { sock = "udp4", steps = {
    { "add_membership", G4, true }, { "block_source", B4, true },
    { "block_source", B4, E.EADDRNOTAVAIL } } },
  ["ip.unblock_source"] = { sock = "udp4", steps = {
    { "add_membership", G4, true }, { "block_source", B4, true },
    { "unblock_source", B4, true }, { "unblock_source", B4, E.EADDRNOTAVAIL } } },
  ["ipv6.v6only"] = { sock = "udp6", set = true },
  ["ipv6.unicast_hops"] = { sock = "udp6", set = 9 },
  ["ipv6.multicast_hops"] = { sock = "udp6", set = 9 },
  ["ipv6.multicast_loop"] = { sock = "udp6", set = false },
  ["ipv6.multicast_if"] = { sock = "udp6", set = "lo",
                            want = lsock.if_nametoindex and lsock.if_nametoindex("lo") or 1 },
  ["ipv6.multicast_all"] = { sock = "udp6", set = false },
  ["ipv6.join_group"] = member("ipv6", "join_group", G6, "join_group",
                               E.EADDRINUSE, "leave_group"),
  ["ipv6.leave_group"] = { sock = "udp6", steps = {
    { "join_group", G6, true }, { "leave_group", G6, true },
    { "leave_group", G6, E.EADDRNOTAVAIL } } },
  ["ipv6.add_membership"] = member("ipv6", "add_membership", G6, "join_group",
                                   E.EADDRINUSE, "drop_membership"),
  ["ipv6.drop_membership"] = { sock = "udp6", steps = {
    { "add_membership", G6, true }, { "drop_membership", G6, true },
    { "leave_group", G6, E.EADDRNOTAVAIL } } },
  ["ipv6.join_source_group"] = member("ipv6", "join_source_group", S6,
    "join_source_group", E.EADDRNOTAVAIL, "leave_source_group"),
  ["ipv6.leave_source_group"] = { sock = "udp6", steps = {
    { "join_source_group", S6, true }, { "leave_source_group", S6, true },
    { "leave_source_group", S6, E.EINVAL } } },
  ["ipv6.block_source"] = { sock = "udp6", steps = {
    { "join_group", G6, true }, { "block_source", B6, true },
    { "block_source", B6, E.EADDRNOTAVAIL } } },
  ["ipv6.unblock_source"] = { sock = "udp6", steps = {
    { "join_group", G6, true }, { "block_source", B6, true },
    { "unblock_source", B6, true }, { "unblock_source", B6, E.EADDRNOTAVAIL } } },
  ["ipv6.recvpktinfo"] = { sock = "udp6", set = true },
  ["ipv6.recvhoplimit"] = { sock = "udp6", set = true },
  ["ipv6.tclass"] = { sock = "udp6", set = 0x20 },
  ["ipv6.recvtclass"] = { sock = "udp6", set = true },
  ["ipv6.dontfrag"] = { sock = "udp6", set = true },
  ["ipv6.mtu_discover"] = { sock = "udp6", set = lsock.IPV6_PMTUDISC_DO },
  ["tcp.nodelay"] = { sock = "tcp4", set = true },
  ["tcp.maxseg"] = { sock = "tcp4", set = 1000 },
  ["tcp.cork"] = { sock = "tcp4", set = true },
  ["tcp.keepidle"] = { sock = "tcp4", set = 30 },
  ["tcp.keepintvl"] = { sock = "tcp4", set = 5 },
  ["tcp.keepcnt"] = { sock = "tcp4", set = 4 },
  ["tcp.user_timeout"] = { sock = "tcp4", set = 1500 },
  -- Kept as a count of SYN-ACK retransmissions: read back rounded up.
  ["tcp.defer_accept"] = { sock = "tcp4", set = 5, want = atleast(5) },
  ["tcp.fastopen"] = { sock = "tcp4", set = 5 },
  ["tcp.fastopen_connect"] = { sock = "tcp4", set = true },
  ["tcp.quickack"] = { sock = "tcp4", set = true },
  ["tcp.notsent_lowat"] = { sock = "tcp4", set = 16384 },
  ["tcp.congestion"] = { sock = "tcp4", set = "reno" },
  ["tcp.info"] = { sock = "tcpconn", want = function(v)
    return type(v) == "table" and v.state == 1 and v.snd_cwnd > 0
           and math.type(v.rtt) == "integer" and math.type(v.total_retrans) == "integer",
           "{state=1 (established), snd_cwnd>0, rtt=, total_retrans=}"
  end },
  ["udp.cork"] = { set = true },
  ["udp.segment"] = { set = 1200 },
  ["udp.gro"] = { set = true },
  -- Netlink groups: joined by number, seen in getsockname's bit mask (a
  -- group past the protocol's last is EINVAL).
  ["netlink.add_membership"] = { sock = "netlink", steps = {
    { "add_membership", 5, true }, { "add_membership", 100000, E.EINVAL } },
    verify = function(s)
      return s:getsockname().groups == 0x10, "groups " .. s:getsockname().groups
    end },
  ["netlink.drop_membership"] = { sock = "netlink", steps = {
    { "add_membership", 5, true }, { "drop_membership", 5, true } },
    verify = function(s)
      return s:getsockname().groups == 0, "groups " .. s:getsockname().groups
    end },
  ["netlink.pktinfo"] = { sock = "netlink", set = true },
  ["netlink.broadcast_error"] = { sock = "netlink", set = true },
  ["netlink.no_enobufs"] = { sock = "netlink", set = true },
  ["netlink.listen_all_nsid"] = { sock = "netlink", set = true },
  ["netlink.cap_ack"] = { sock = "netlink", set = true },
  ["netlink.ext_ack"] = { sock = "netlink", set = true },
  ["netlink.get_strict_chk"] = { sock = "netlink", set = true },
  -- Promiscuous mode on the namespace's loopback: the flag shows in sysfs
  -- while the membership lasts; a second drop finds nothing.
  ["packet.add_membership"] = { sock = "packet", steps = {
    { "add_membership", { ifindex = "lo", type = "promisc" }, true } },
    verify = function() return loflag(0x100, true) end },
  -- (a drop that finds nothing is no error in packet(7))
  ["packet.drop_membership"] = { sock = "packet", steps = {
    { "add_membership", { ifindex = 1, type = "allmulti" }, true },
    { "drop_membership", { ifindex = 1, type = "allmulti" }, true } },
    verify = function() return loflag(0x200, false) end },
  ["packet.auxdata"] = { sock = "packet", set = true },
  ["packet.origdev"] = { sock = "packet", set = true },
  ["packet.version"] = { sock = "packet", set = 1 },  -- TPACKET_V2
  ["packet.hdrlen"] = { sock = "packet", want = atleast(16) },
  ["packet.reserve"] = { sock = "packet", set = 4 },
  ["packet.loss"] = { sock = "packet", set = true },
  ["packet.vnet_hdr"] = { sock = "packet", set = true },
  ["packet.timestamp"] = { sock = "packet", set = 1 },
  ["packet.fanout"] = { sock = "packet", set = 7 },  -- group 7, PACKET_FANOUT_HASH
  ["packet.ignore_outgoing"] = { sock = "packet", set = true },
  ["packet.qdisc_bypass"] = { sock = "packet", set = true },
}

local function show(v)
  if type(v) ~= "table" then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = k .. "=" .. tostring(v[k]) end
  return "{" .. table.concat(keys, ", ") .. "}"
end

local function same(a, b)
  if type(a) == "table" and type(b) == "table" then return show(a) == show(b) end
  return a == b
end

-- Runs one sample; returns status, detail.
local function check(o, sample)
  local s <close> = makers[sample.sock or "udp4"]()
  local function refused(msg, err)
    if err == E.ENOPROTOOPT then return "refused", msg end
    return "fail", ("%s (errno %s)"):format(msg, tostring(err))
  end
  if sample.steps then
    for i, step in ipairs(sample.steps) do
      local ok, msg, err = s:setsockopt(o.level, step[1], step[2])
      if step[3] == true and not ok then
        if i == 1 then return refused(msg, err) end
        return "fail", ("step %d %s: %s"):format(i, step[1], msg)
      elseif step[3] ~= true and (ok or err ~= step[3]) then
        return "fail", ("step %d %s: want errno %d, got %s"):format(
          i, step[1], step[3], ok and "success" or tostring(err))
      end
    end
    if sample.verify then
      local good, what = sample.verify(s)
      if not good then return "fail", "after the steps: " .. what end
    end
    return "ok", #sample.steps .. " steps"
  end
  if sample.set ~= nil then
    local ok, msg, err = s:setsockopt(o.level, o.name, sample.set)
    if not ok then return refused(msg, err) end
  end
  local got, msg, err = s:getsockopt(o.level, sample.read or o.name)
  if got == nil then return refused(msg, err) end
  local want = sample.want
  if want == nil then want = sample.set end
  if type(want) == "function" then
    local good, what = want(got)
    if good then return "ok", show(got) end
    return "fail", ("got %s, want %s"):format(show(got), what)
  end
  if same(got, want) then return "ok", show(got) end
  return "fail", ("got %s, want %s"):format(show(got), show(want))
end

for _, o in ipairs(lsock.options()) do
  local key = o.level .. "." .. o.name
  local sample = samples[key]
  local status, detail
  if not sample then
    status, detail = "fail", "no sample in spec/support_options.lua"
  else
    local ok, a, b = pcall(check, o, sample)
    if ok then status, detail = a, b else status, detail = "fail", tostring(a) end
  end
  print(("%s\t%s\t%s"):format(key, status, detail))
end
for _, s in ipairs(keep) do s:close() end
