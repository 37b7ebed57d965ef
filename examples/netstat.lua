-- netstat.lua: this machine's TCP, UDP and unix sockets, read from
-- /proc/net like `netstat -tuanp` and `netstat -xap`: protocol, queues,
-- addresses, state, and the owning process where /proc lets us see it.
--
-- Run it while the course's servers run, to watch sockets change state:
--   lua5.4 examples/netstat.lua -t -l      # listening TCP sockets
--   lua5.4 examples/tcp_uppercase_server.lua 5000 &
--   nc 127.0.0.1 5000                      # then, in another terminal:
--   lua5.4 examples/netstat.lua -t         # LISTEN, ESTABLISHED, TIME_WAIT
-- The kernel writes each address as the hex of the in-memory 32-bit words,
-- so on a little-endian machine 127.0.0.1 reads 0100007F; lsock.inet_ntop
-- turns the bytes back into text.
--
-- With -k the TCP and UDP sockets come from the kernel over netlink
-- instead, as `ss -tuan` gets them: one SOCK_DIAG_BY_FAMILY dump
-- (inet_diag_req_v2) per protocol and family, each reply an inet_diag_msg.
local lsock = require "lsock"

local USAGE = [[
usage: netstat.lua [-t] [-u] [-x] [-l] [-a] [-k]
  -t  TCP sockets (/proc/net/tcp, tcp6)
  -u  UDP sockets (/proc/net/udp, udp6)
  -x  unix sockets (/proc/net/unix)
  -l  listening sockets only (-a: all, the default)
  -k  TCP and UDP from the kernel over netlink (sock_diag), not /proc
  with none of -t -u -x: all three]]

local want, listening, diag = {}, false, false
for _, a in ipairs(arg) do
  if a == "-h" or a == "--help" then io.stdout:write(USAGE, "\n"); os.exit(0)
  elseif a == "-t" or a == "-u" or a == "-x" then want[a:sub(2)] = true
  elseif a == "-l" then listening = true
  elseif a == "-k" then diag = true
  elseif a ~= "-a" then io.stderr:write(USAGE, "\n"); os.exit(2)
  end
end
if not (want.t or want.u or want.x) then want = { t = true, u = true, x = true } end

-- include/net/tcp_states.h
local TCP_STATES = {
  "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
  "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
}

-- Socket inode -> "pid/program", from the /proc/<pid>/fd links
-- "socket:[inode]".  Lua cannot read a symbolic link, so find(1) reads
-- them all in one pass; other users' processes are hidden unless root.
local function owners()
  local map = {}
  local p = io.popen("find /proc/[0-9]*/fd -lname 'socket:*' -printf '%h %l\\n' 2>/dev/null")
  if not p then return map end
  local comms = {}
  for line in p:lines() do
    local pid, inode = line:match("^/proc/(%d+)/fd socket:%[(%d+)%]$")
    if pid and not map[inode] then
      if comms[pid] == nil then
        local f = io.open("/proc/" .. pid .. "/comm")
        comms[pid] = f and f:read("l") or "?"
        if f then f:close() end
      end
      map[inode] = pid .. "/" .. comms[pid]
    end
  end
  p:close()
  return map
end

local little = string.pack("=I4", 1):byte(1) == 1

-- "0100007F:0CEA" -> "127.0.0.1:3306"; IPv6 words are four such groups.
local function address(hex, family)
  local host, port = hex:match("^(%x+):(%x+)$")
  local bytes = {}
  for word in host:gmatch("%x%x%x%x%x%x%x%x") do
    local n = tonumber(word, 16)
    bytes[#bytes + 1] = string.pack(little and "<I4" or ">I4", n)
  end
  local text = lsock.inet_ntop(family, table.concat(bytes))
  port = tonumber(port, 16)
  if family == "inet6" then text = "[" .. text .. "]" end
  return text .. ":" .. (port == 0 and "*" or port)
end

local rows = {}
local function row(...) rows[#rows + 1] = string.format(...) end

-- One TCP or UDP socket: st its state number, ports 0 for none.
local function inetrow(proto, st, laddr, raddr, rport, rx, tx, inode, owner)
  local state = TCP_STATES[st] or tostring(st)
  if proto:sub(1, 3) == "udp" then -- UDP has no states; connected is ESTABLISHED
    state = state == "ESTABLISHED" and state or ""
  end
  local open = state == "LISTEN" or (state == "" and rport == 0)
  if not listening or open then
    row("%-5s %6d %6d %-23s %-23s %-11s %s", proto, rx, tx, laddr, raddr, state,
      owner[inode] or "-")
  end
end

local function inet(proto, file, family, owner)
  local f = io.open("/proc/net/" .. file)
  if not f then return end
  f:read("l") -- the header
  for line in f:lines() do
    local la, ra, st, tx, rx, inode = line:match(
      "^%s*%d+: (%S+) (%S+) (%x%x) (%x+):(%x+) %S+ %S+ +%d+ +%d+ (%d+)")
    if la then
      inetrow(proto, tonumber(st, 16), address(la, family), address(ra, family),
        tonumber(ra:match(":(%x+)$"), 16), tonumber(rx, 16), tonumber(tx, 16), inode, owner)
    end
  end
  f:close()
end

-- The same sockets from sock_diag.  inet_diag_req_v2: family, protocol,
-- ext, pad, states (a bit mask), then an inet_diag_sockid to match (all
-- zero: every socket).  Each reply is an inet_diag_msg: family, state,
-- timer, retrans, the sockid (ports and addresses in network byte order),
-- expires, rqueue, wqueue, uid, inode.
local DIAG_REQ = "=BBBxI4" .. ("x"):rep(48)
local DIAG_MSG = "=BBBB>I2>I2c16c16=I4I4I4I4I4I4I4I4"
local nl -- lsock.netlink, loaded with -k only

local function diagaddr(family, bytes, port)
  local len = family == "inet" and 4 or 16
  local text = lsock.inet_ntop(family, bytes:sub(1, len))
  if family == "inet6" then text = "[" .. text .. "]" end
  return text .. ":" .. (port == 0 and "*" or port)
end

local function sockdiag(s, proto, family, owner)
  local ipproto = proto:sub(1, 3) == "udp" and 17 or 6
  local af = family == "inet" and lsock.AF_INET or lsock.AF_INET6
  local msgs = assert(nl.request(s, nl.SOCK_DIAG_BY_FAMILY, nl.NLM_F_DUMP,
                                 DIAG_REQ:pack(af, ipproto, 0, 0xffffffff)))
  for _, m in ipairs(msgs) do
    local _, st, _, _, sport, dport, src, dst, _, _, _, _, rq, wq, _, inode =
      DIAG_MSG:unpack(m.payload)
    inetrow(proto, st, diagaddr(family, src, sport), diagaddr(family, dst, dport), dport,
      rq, wq, tostring(inode), owner)
  end
end

local UNIX_TYPES = { [1] = "STREAM", [2] = "DGRAM", [5] = "SEQPACKET" }
local UNIX_STATES = { "", "CONNECTING", "CONNECTED", "DISCONNECTING" }
local SO_ACCEPTCON = 0x10000

local function unix(owner)
  local f = io.open("/proc/net/unix")
  if not f then return end
  f:read("l")
  for line in f:lines() do
    local refs, flags, ty, st, inode, path = line:match(
      "^%x+: (%x+) %x+ (%x+) (%x+) (%x+) +(%d+) ?(.*)$")
    if refs then
      local listen = tonumber(flags, 16) & SO_ACCEPTCON ~= 0
      local state = listen and "LISTENING" or UNIX_STATES[tonumber(st, 16)] or st
      if not listening or listen then
        row("%-5s %6d %-11s %-11s %-13s %-9s %-20s %s", "unix", tonumber(refs, 16),
          listen and "[ ACC ]" or "[ ]", UNIX_TYPES[tonumber(ty, 16)] or ty, state, inode,
          owner[inode] or "-", path)
      end
    end
  end
  f:close()
end

local owner = owners()
if want.t or want.u then
  row("%-5s %6s %6s %-23s %-23s %-11s %s", "Proto", "Recv-Q", "Send-Q", "Local Address",
    "Foreign Address", "State", "PID/Program name")
  local read = inet
  if diag then
    nl = lsock.netlink
    local s = assert(lsock.socket("netlink", "dgram", "sock_diag"))
    assert(s:bind(lsock.addr { family = "netlink" }))
    read = function(proto, _, family) sockdiag(s, proto, family, owner) end
  end
  if want.t then read("tcp", "tcp", "inet", owner); read("tcp6", "tcp6", "inet6", owner) end
  if want.u then read("udp", "udp", "inet", owner); read("udp6", "udp6", "inet6", owner) end
end
if want.x then
  row("%-5s %6s %-11s %-11s %-13s %-9s %-20s %s", "Proto", "RefCnt", "Flags", "Type",
    "State", "I-Node", "PID/Program name", "Path")
  unix(owner)
end
io.stdout:write(table.concat(rows, "\n"), "\n")
