-- ethercat.lua: raw Ethernet frames of the local experimental ethertype
-- 0x88b5 (IEEE 802 "local experimental 1"), sent and received on one
-- interface through packet sockets.  Needs CAP_NET_RAW: run it as root,
-- and only on a link of your own (the specs use a veth pair between two
-- network namespaces, so nothing leaves the machine).
--   ethercat.lua recv veth1 [count]           # prints each frame
--   ethercat.lua send veth0 aa:bb:cc:dd:ee:ff hello
-- With -d the socket is "dgram": the kernel builds and strips the
-- Ethernet header, the program gives the destination in a sockaddr.
local lsock = require "lsock"

local USAGE = [[
usage: ethercat.lua [-d] recv IFNAME [COUNT]
       ethercat.lua [-d] send IFNAME DSTMAC MESSAGE
  -d  a "dgram" packet socket (no Ethernet header in the data)]]

local ETHERTYPE = 0x88b5
local args, dgram = {}, false
for _, a in ipairs(arg) do
  if a == "-h" or a == "--help" then io.stdout:write(USAGE, "\n"); os.exit(0)
  elseif a == "-d" then dgram = true
  else args[#args + 1] = a end
end
local mode, ifname = args[1], args[2]
if not ifname or (mode == "send" and #args ~= 4)
   or (mode == "recv" and #args > 3) or (mode ~= "send" and mode ~= "recv") then
  io.stderr:write(USAGE, "\n"); os.exit(2)
end

local function mac(bytes)
  return (bytes:gsub(".", function(c) return ("%02x:"):format(c:byte()) end):sub(1, -2))
end

local function parsemac(text)
  local b = {}
  for h in text:gmatch("%x%x") do b[#b + 1] = string.char(tonumber(h, 16)) end
  if #b ~= 6 or #text ~= 17 then
    io.stderr:write("ethercat.lua: bad hardware address '", text, "'\n"); os.exit(2)
  end
  return table.concat(b)
end

-- The interface's index and hardware address, from its packet-family entry.
local index, own
for _, i in ipairs(assert(lsock.getifaddrs())) do
  if i.name == ifname and i.addr and i.addr.family == "packet" then
    index, own = i.index, i.addr.address
  end
end
if not index then io.stderr:write("ethercat.lua: no interface ", ifname, "\n"); os.exit(1) end

local s = assert(lsock.socket("packet", dgram and "dgram" or "raw", ETHERTYPE))
assert(s:bind(lsock.addr { family = "packet", protocol = ETHERTYPE, ifindex = index }))

if mode == "send" then
  local dst, msg = parsemac(args[3]), args[4]
  if dgram then
    assert(s:sendto(msg, lsock.addr { family = "packet", ifindex = index,
                                      protocol = ETHERTYPE, address = dst }))
  else
    -- destination, source, ethertype (network byte order), payload
    local frame = dst .. own .. (">I2"):pack(ETHERTYPE) .. msg
    assert(s:sendto(frame, lsock.addr { family = "packet", ifindex = index }))
  end
  print(("sent %d bytes from %s"):format(#msg, mac(own)))
else
  print("ready " .. mac(own))
  io.stdout:flush()
  s:settimeout(10)
  for _ = 1, tonumber(args[3]) or 1 do
    local data, from = s:recvfrom(2048)
    if not data then io.stderr:write("ethercat.lua: ", from, "\n"); os.exit(1) end
    -- A raw socket sees the 14-byte Ethernet header; and Ethernet pads
    -- short frames to 60 bytes, so trailing NULs are cut (this program's
    -- messages are text).
    local payload = (dgram and data or data:sub(15)):gsub("%z+$", "")
    print(("got %s from %s if %d proto 0x%04x type %d len %d"):format(payload,
      mac(from.address), from.ifindex, from.protocol, from.pkttype, #data))
    io.stdout:flush()
  end
end
s:close()
