-- ping.lua: ICMP echo to a host, the round-trip time of each reply.
--
--   lua5.4 examples/ping.lua [host [count]] [--dgram]
--
-- As root it uses a raw socket (socket("inet", "raw", "icmp")) and
-- builds the whole ICMP message, checksum included; otherwise, or with
-- --dgram, the unprivileged ping socket (socket("inet", "dgram", "icmp"),
-- allowed by net.ipv4.ping_group_range), where the kernel picks the
-- identifier.  IPv6 hosts use ICMPv6.  The times are the kernel's own
-- software timestamps of the request leaving and the reply arriving
-- (SO_TIMESTAMPING), read from the error queue and from recvmsg's
-- ancillary data.  Exits 0 when every request got its reply.
local lsock = require "lsock"

local host, count, dgram = "127.0.0.1", 4, false
do
  local pos = {}
  for _, a in ipairs(arg) do
    if a == "--dgram" then dgram = true else pos[#pos + 1] = a end
  end
  host = pos[1] or host
  count = math.tointeger(tonumber(pos[2])) or count
end

-- SO_TIMESTAMPING flags (linux/net_tstamp.h): software stamps on
-- transmit and receive, reported without the packet on the error queue.
local TX_SOFTWARE, RX_SOFTWARE, SOFTWARE, OPT_TSONLY = 1 << 1, 1 << 3, 1 << 4, 1 << 11

local ai = assert(lsock.getaddrinfo(host, nil, {socktype = "raw"}))
local dest = ai[1].addr
local v6 = dest.family == "inet6"
local proto = v6 and "icmpv6" or "icmp"
local ECHO, REPLY = v6 and 128 or 8, v6 and 129 or 0

local sock, err
if not dgram then
  sock, err = lsock.socket(dest.family, "raw", proto)
end
if not sock then
  dgram = true
  sock, err = lsock.socket(dest.family, "dgram", proto)
end
if not sock then
  io.stderr:write("ping: cannot open an ICMP socket: ", err,
                  " (root, or net.ipv4.ping_group_range)\n")
  os.exit(2)
end
sock:settimeout(1)
assert(sock:setsockopt("socket", lsock.SO_TIMESTAMPING,
                       TX_SOFTWARE | RX_SOFTWARE | SOFTWARE | OPT_TSONLY))
if v6 then
  assert(sock:setsockopt("ipv6", lsock.IPV6_RECVHOPLIMIT, 1))
else
  assert(sock:setsockopt("ip", lsock.IP_RECVTTL, 1))
end

local function find(anc, level, type)
  for _, item in ipairs(anc) do
    if item[1] == level and item[2] == type then return item[3] end
  end
end

local ident = math.random(1, 0xffff)
local payload = string.rep("lsock-ping!", 6):sub(1, 56)

-- An echo request; IPv4 carries our checksum, ICMPv6 the kernel's
-- (it covers a pseudo-header that only the kernel knows in full).
local function request(seq)
  local msg = string.pack(">BBI2I2I2", ECHO, 0, 0, ident, seq) .. payload
  if not v6 then
    msg = msg:sub(1, 2) .. string.pack(">I2", lsock.checksum(msg)) .. msg:sub(5)
  end
  return msg
end

-- The ICMP part of what a socket receives: raw IPv4 sockets also get the
-- IP header (its length is in the low nibble of the first byte).
local function icmppart(data)
  if v6 or dgram then return data end
  return data:sub((data:byte(1) & 0x0f) * 4 + 1)
end

-- The reply for seq, its ancillary data and the sender, or nil.  Other
-- ICMP messages (a raw socket sees them all) are skipped, at most 100.
local function awaitreply(seq)
  for _ = 1, 100 do
    local data, anc, _, from = sock:recvmsg(2048, 1024)
    if not data then return nil, anc end
    local icmp = icmppart(data)
    if #icmp >= 8 then
      local typ, _, _, id, sq = string.unpack(">BBI2I2I2", icmp)
      -- the ping socket rewrites the identifier: the kernel filters for us
      if typ == REPLY and sq == seq and (dgram or id == ident) then
        if not v6 and lsock.checksum(icmp) ~= 0 then
          return nil, "bad checksum in reply"
        end
        return icmp, anc, from
      end
    end
  end
  return nil, "too many foreign ICMP messages"
end

-- The kernel's transmit timestamp of what was just sent, or nil.
local function txstamp()
  local data, anc = sock:recvmsg(0, 1024, "errqueue")
  if not data then return nil end
  local ts = find(anc, lsock.SOL_SOCKET, lsock.SCM_TIMESTAMPING)
  return ts and ts[1]
end

print(("PING %s (%s): %d data bytes%s"):format(host, dest.host, #payload,
                                               dgram and " (ping socket)" or ""))
local received = 0
for seq = 1, count do
  local t0 = lsock.monotime()
  local ok, msg = sock:sendto(request(seq), dest)
  if not ok then
    io.stderr:write("ping: sendto: ", msg, "\n")
    os.exit(2)
  end
  local sent = txstamp()
  local icmp, anc, from = awaitreply(seq)
  if icmp then
    received = received + 1
    local ttl = v6 and find(anc, lsock.IPPROTO_IPV6, lsock.IPV6_HOPLIMIT)
                    or find(anc, lsock.IPPROTO_IP, lsock.IP_TTL)
    local rx = find(anc, lsock.SOL_SOCKET, lsock.SCM_TIMESTAMPING)
    -- The kernel's stamps when both came (the transmit one can lag behind
    -- on a busy machine), else the process's own clock around the exchange.
    local rtt = (sent and rx) and rx[1] - sent or lsock.monotime() - t0
    local time = ("%.3f ms"):format(rtt * 1000)
    print(("%d bytes from %s: icmp_seq=%d ttl=%s time=%s"):format(
      #icmp, from.host, seq, tostring(ttl), time))
  else
    print(("no reply for icmp_seq=%d (%s)"):format(seq, tostring(anc)))
  end
end
print(("%d packets transmitted, %d received"):format(count, received))
sock:close()
os.exit(received == count and 0 or 1)
