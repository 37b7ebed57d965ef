-- udp_pktinfo.lua: a UDP echo server bound to the wildcard address that
-- answers from the address each datagram was sent to.
--
--   lua5.4 examples/udp_pktinfo.lua [port [count]] [-6]
--
-- A socket bound to 0.0.0.0 receives for every local address, but a plain
-- sendto lets routing pick the reply's source, and a client that
-- connect()ed to 127.0.0.2 drops a reply that comes from 127.0.0.1.
-- IP_PKTINFO (IPV6_RECVPKTINFO with -6) makes recvmsg tell where each
-- datagram went; handing that address back to sendmsg as the pktinfo
-- spec_dst (IPv6: addr) makes the reply leave from it.  Serves count
-- datagrams (default: forever); prints the port it listens on first.
local lsock = require "lsock"

local pos, v6 = {}, false
for _, a in ipairs(arg) do
  if a == "-6" then v6 = true else pos[#pos + 1] = a end
end
local port = math.tointeger(tonumber(pos[1])) or 0
local count = math.tointeger(tonumber(pos[2]))

local s = assert(lsock.socket(v6 and "inet6" or "inet", "dgram"))
assert(s:bind(v6 and "::" or "0.0.0.0", port))
local level = v6 and lsock.IPPROTO_IPV6 or lsock.IPPROTO_IP
local kind = v6 and lsock.IPV6_PKTINFO or lsock.IP_PKTINFO
assert(s:setsockopt(level, v6 and lsock.IPV6_RECVPKTINFO or lsock.IP_PKTINFO, 1))
print(("listening on %s"):format(tostring(s:getsockname())))
io.stdout:flush()

local served = 0
while not count or served < count do
  local data, anc, _, from = s:recvmsg(2048, 256)
  if not data then
    io.stderr:write("recvmsg: ", anc, "\n")
    break
  end
  local dst
  for _, item in ipairs(anc) do
    if item[1] == level and item[2] == kind then dst = item[3] end
  end
  -- reply from where the request went, out of the interface it came in by
  local pktinfo = v6 and {addr = dst.addr, ifindex = dst.ifindex}
                      or {spec_dst = dst.addr, ifindex = dst.ifindex}
  local reply = ("%s heard: %s"):format(dst.addr.host, data)
  assert(s:sendmsg(reply, {{level, kind, pktinfo}}, 0, from))
  print(("%s -> %s: %q"):format(tostring(from), dst.addr.host, data))
  io.stdout:flush()
  served = served + 1
end
s:close()
