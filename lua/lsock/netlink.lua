--- lsock.netlink: netlink message headers and attributes, in pure Lua.
-- A netlink message is bytes: a 16-byte `nlmsghdr` (length, type, flags,
-- sequence, port id, in the host's byte order) and a payload padded to 4
-- bytes.  This module packs a request header, walks a (multi-part) reply
-- into its messages, and walks the `rtattr`/`nlattr` attributes of a
-- payload; what a message means stays the program's (`string.pack` the
-- `ifinfomsg`, `ifaddrmsg`, `inet_diag_req_v2`... it needs).
-- @usage local nl = require "lsock.netlink"
-- local ifi = string.pack("=BxHiII", 0, 0, 0, 0, 0)  -- ifinfomsg
-- local req = nl.pack(nl.RTM_GETLINK, nl.NLM_F_REQUEST | nl.NLM_F_DUMP, 1, ifi)
-- @module lsock.netlink
local lsock = require "lsock.core"

local M = {}

local HDR = "=I4I2I2I4I4"   -- nlmsghdr
local HDRLEN = 16

-- Constants: `NLMSG_*`, `NLM_F_*`, `RTM_*`, `RTMGRP_*`, `RTNLGRP_*`,
-- `IFLA_*`, `IFA_*`, `RTA_*`, `SOCK_DIAG_BY_FAMILY`, `INET_DIAG_*`,
-- `TCP_*` states, `NLA_F_*`.
M.NLMSG_NOOP, M.NLMSG_ERROR, M.NLMSG_DONE, M.NLMSG_OVERRUN = 1, 2, 3, 4
M.NLM_F_REQUEST, M.NLM_F_MULTI, M.NLM_F_ACK, M.NLM_F_ECHO = 1, 2, 4, 8
M.NLM_F_DUMP_INTR, M.NLM_F_DUMP_FILTERED = 0x10, 0x20
M.NLM_F_ROOT, M.NLM_F_MATCH, M.NLM_F_ATOMIC = 0x100, 0x200, 0x400
M.NLM_F_DUMP = 0x300
M.NLM_F_REPLACE, M.NLM_F_EXCL, M.NLM_F_CREATE, M.NLM_F_APPEND =
  0x100, 0x200, 0x400, 0x800
M.NLM_F_CAPPED, M.NLM_F_ACK_TLVS = 0x100, 0x200
M.RTM_NEWLINK, M.RTM_DELLINK, M.RTM_GETLINK = 16, 17, 18
M.RTM_NEWADDR, M.RTM_DELADDR, M.RTM_GETADDR = 20, 21, 22
M.RTM_NEWROUTE, M.RTM_DELROUTE, M.RTM_GETROUTE = 24, 25, 26
M.RTM_NEWNEIGH, M.RTM_DELNEIGH, M.RTM_GETNEIGH = 28, 29, 30
M.RTMGRP_LINK, M.RTMGRP_NOTIFY, M.RTMGRP_NEIGH = 0x1, 0x2, 0x4
M.RTMGRP_IPV4_IFADDR, M.RTMGRP_IPV4_ROUTE = 0x10, 0x40
M.RTMGRP_IPV6_IFADDR, M.RTMGRP_IPV6_ROUTE = 0x100, 0x400
M.RTNLGRP_LINK, M.RTNLGRP_IPV4_IFADDR, M.RTNLGRP_IPV4_ROUTE = 1, 5, 7
M.RTNLGRP_IPV6_IFADDR, M.RTNLGRP_IPV6_ROUTE = 9, 11
M.IFLA_ADDRESS, M.IFLA_BROADCAST, M.IFLA_IFNAME, M.IFLA_MTU = 1, 2, 3, 4
M.IFLA_LINK, M.IFLA_QDISC, M.IFLA_STATS, M.IFLA_MASTER = 5, 6, 7, 10
M.IFLA_OPERSTATE, M.IFLA_LINKINFO = 16, 18
M.IFA_ADDRESS, M.IFA_LOCAL, M.IFA_LABEL, M.IFA_BROADCAST = 1, 2, 3, 4
M.IFA_ANYCAST, M.IFA_CACHEINFO, M.IFA_FLAGS = 5, 6, 8
M.RTA_DST, M.RTA_SRC, M.RTA_IIF, M.RTA_OIF, M.RTA_GATEWAY = 1, 2, 3, 4, 5
M.RTA_PRIORITY, M.RTA_PREFSRC, M.RTA_TABLE = 6, 7, 15
M.NLA_F_NESTED, M.NLA_F_NET_BYTEORDER = 0x8000, 0x4000
M.NLMSGERR_ATTR_MSG, M.NLMSGERR_ATTR_OFFS = 1, 2
M.SOCK_DIAG_BY_FAMILY = 20
M.INET_DIAG_NONE, M.INET_DIAG_MEMINFO, M.INET_DIAG_INFO = 0, 1, 2
M.TCP_ESTABLISHED, M.TCP_SYN_SENT, M.TCP_SYN_RECV = 1, 2, 3
M.TCP_FIN_WAIT1, M.TCP_FIN_WAIT2, M.TCP_TIME_WAIT = 4, 5, 6
M.TCP_CLOSE, M.TCP_CLOSE_WAIT, M.TCP_LAST_ACK = 7, 8, 9
M.TCP_LISTEN, M.TCP_CLOSING = 10, 11

local function align(n) return (n + 3) & ~3 end

local function pad(s)
  return s .. ("\0"):rep(align(#s) - #s)
end

--- Packs a message: the header, then the payload padded to 4 bytes.
-- @tparam int type `RTM_GETLINK`, `SOCK_DIAG_BY_FAMILY`, ...
-- @tparam[opt] int flags `NLM_F_REQUEST | NLM_F_DUMP`... (default
--   `NLM_F_REQUEST`)
-- @tparam[opt] int seq sequence number (default 1)
-- @tparam[opt] string payload the bytes after the header (default "")
-- @tparam[opt] int pid the sender's port id (default 0: the kernel fills it)
-- @treturn string the message
-- @usage local req = netlink.pack(netlink.RTM_GETLINK,
--   netlink.NLM_F_REQUEST | netlink.NLM_F_DUMP, 1, string.pack("=Bxxx", 0))
function M.pack(type, flags, seq, payload, pid)
  payload = payload or ""
  assert(math.type(type) == "integer", "message type: integer expected")
  return HDR:pack(HDRLEN + #payload, type, flags or M.NLM_F_REQUEST, seq or 1,
                  pid or 0) .. pad(payload)
end

--- Packs one attribute (rtattr or nlattr): length, type, data, padding.
-- @tparam int type
-- @tparam string data
-- @treturn string
-- @usage local a = netlink.attr(netlink.IFA_LOCAL, "\127\0\0\1")
function M.attr(type, data)
  return pad(("=I2I2"):pack(4 + #data, type) .. data)
end

-- The error of an NLMSG_ERROR payload: errno (0 for an ACK), and the
-- kernel's extended-ack text when there is one.
local function decode_error(msg)
  local p = msg.payload
  if #p < 4 then return nil, "truncated netlink error message" end
  local err = -(("=i4"):unpack(p))
  msg.errno = err
  if err ~= 0 then msg.error = lsock.strerror(err) end
  -- With NETLINK_EXT_ACK the original request follows (its header alone
  -- when NLM_F_CAPPED) and then attributes.
  if msg.flags & M.NLM_F_ACK_TLVS ~= 0 and #p >= 4 + HDRLEN then
    local olen = HDR:unpack(p, 5)
    local skip = msg.flags & M.NLM_F_CAPPED ~= 0 and HDRLEN or olen
    local attrs = M.attrs(p, 5 + align(skip))
    if attrs then
      for _, a in ipairs(attrs) do
        if a.type == M.NLMSGERR_ATTR_MSG then msg.ext_ack = a.data:gsub("%z.*", "") end
      end
    end
  end
  return true
end

--- Walks the messages in one datagram of a reply.
-- Each is `{type=, flags=, seq=, pid=, payload=}`; an `NLMSG_ERROR` also has
-- `errno` (0 for an acknowledgement), `error` (its text) and `ext_ack`
-- (the kernel's message, with `netlink_ext_ack` set); `NLMSG_DONE` has
-- `done = true`.
-- @tparam string buf what recv gave
-- @treturn {table,...} the messages
-- @return[2] nil, "truncated netlink message at byte N"
-- @usage for _, m in ipairs(assert(netlink.messages(buf))) do print(m.type) end
function M.messages(buf)
  local out, i, n = {}, 1, #buf
  while i <= n do
    if n - i + 1 < HDRLEN then
      return nil, ("truncated netlink message at byte %d (%d bytes left, "
                   .. "a header is %d)"):format(i - 1, n - i + 1, HDRLEN)
    end
    local len, type, flags, seq, pid = HDR:unpack(buf, i)
    if len < HDRLEN or len > n - i + 1 then
      return nil, ("truncated netlink message at byte %d (length %d, %d "
                   .. "bytes left)"):format(i - 1, len, n - i + 1)
    end
    local msg = { type = type, flags = flags, seq = seq, pid = pid,
                  payload = buf:sub(i + HDRLEN, i + len - 1) }
    if type == M.NLMSG_ERROR then
      local ok, err = decode_error(msg)
      if not ok then return nil, err end
    elseif type == M.NLMSG_DONE then
      msg.done = true
    end
    out[#out + 1] = msg
    i = i + align(len)
  end
  return out
end

--- Walks the attributes of a payload from byte `from` (1-based).
-- rtattr and nlattr share their layout; the type has its `NLA_F_NESTED` and
-- `NLA_F_NET_BYTEORDER` bits removed (`nested` tells the first).
-- @tparam string s the payload
-- @tparam[opt] int from where the attributes start (default 1)
-- @treturn {table,...} `{type=, data=, nested=}` in order
-- @treturn table type -> data of the first attribute of that type
-- @return[2] nil, "truncated attribute at byte N"
-- @usage local _, a = netlink.attrs(m.payload, 17); print(a[netlink.IFLA_IFNAME])
function M.attrs(s, from)
  assert(type(s) == "string", "bad argument #1 to 'attrs' (string expected)")
  from = from or 1
  -- string.unpack reads a negative position from the end: a walk from one
  -- would never reach the end of the string
  assert(math.type(from) == "integer" and from >= 1,
         "bad argument #2 to 'attrs' (position >= 1 expected)")
  local out, i, n = {}, from, #s
  local byType = {}
  while i + 3 <= n do
    local len, type = ("=I2I2"):unpack(s, i)
    if len < 4 or len > n - i + 1 then
      return nil, ("truncated attribute at byte %d (length %d, %d bytes "
                   .. "left)"):format(i - 1, len, n - i + 1)
    end
    local t = type & 0x3fff
    local a = { type = t, data = s:sub(i + 4, i + len - 1),
                nested = type & M.NLA_F_NESTED ~= 0 }
    out[#out + 1] = a
    if byType[t] == nil then byType[t] = a.data end
    i = i + align(len)
  end
  return out, byType
end

--- The text of a string attribute (`IFLA_IFNAME`, `IFA_LABEL`...): the
-- data up to its terminating NUL.
-- @tparam string data
-- @treturn string
-- @usage print(netlink.cstring(a[netlink.IFLA_IFNAME]))
function M.cstring(data)
  return (data:gsub("%z.*", ""))
end

--- Sends a request on a netlink socket and gathers its reply: every
-- message up to `NLMSG_DONE` (a dump) or the acknowledgement/error.
-- The socket should be bound (`lsock.addr{family = "netlink"}`); replies to
-- other sequence numbers are skipped.  Bounded: at most `max` datagrams
-- (default 10000) and `timeout` seconds (default 5) of waiting each.
-- @tparam socket sock a netlink socket
-- @tparam int type the request type
-- @tparam int flags `NLM_F_REQUEST` is added
-- @tparam[opt] string payload
-- @tparam[opt] table opts `{seq=, timeout=, max=}`
-- @treturn {table,...} the reply messages, `NLMSG_DONE` and the ACK left out
-- @return[2] nil, msg, errno (an `NLMSG_ERROR` with its errno; "timeout";
--   a truncated reply)
-- @usage local links = assert(netlink.request(s, netlink.RTM_GETLINK,
--   netlink.NLM_F_DUMP, string.pack("=Bxxxi4I4I4", 0, 0, 0, 0)))
function M.request(sock, type, flags, payload, opts)
  opts = opts or {}
  M._seq = (M._seq or 0) + 1
  local seq = opts.seq or M._seq
  local ok, err, code = sock:sendto(M.pack(type, (flags or 0) | M.NLM_F_REQUEST,
                                           seq, payload),
                                    lsock.addr { family = "netlink" })
  if not ok then return nil, err, code end
  local old = sock:gettimeout()
  sock:settimeout(opts.timeout or 5)
  local out = {}
  local function finish(...)
    sock:settimeout(old)
    return ...
  end
  for _ = 1, opts.max or 10000 do
    local buf, rerr, rcode = sock:recv(1 << 16)
    if not buf then return finish(nil, rerr, rcode) end
    local msgs, merr = M.messages(buf)
    if not msgs then return finish(nil, merr) end
    for _, m in ipairs(msgs) do
      if m.seq == seq then
        if m.done then return finish(out) end
        if m.type == M.NLMSG_ERROR then
          if m.errno ~= 0 then
            return finish(nil, m.ext_ack and (m.error .. ": " .. m.ext_ack)
                                         or m.error, m.errno)
          end
          return finish(out)
        end
        out[#out + 1] = m
        if m.flags & M.NLM_F_MULTI == 0 and flags & M.NLM_F_ACK == 0 then
          return finish(out)
        end
      end
    end
  end
  return finish(nil, "too many reply datagrams")
end

return M
