-- tour.lua: a short narrated tour of lsock on loopback, run by `make demo`.
-- It makes addresses, echoes a line over TCP (listener, client and accepted
-- socket all in this one process), exchanges UDP datagrams, and looks up
-- localhost.  It needs no peer and ends by itself within a second or two:
--   lua5.4 examples/tour.lua
local lsock = require "lsock"

local function say(fmt, ...)
  print(fmt:format(...))
end

say("lsock tour: BSD sockets for Lua 5.4, on loopback only.")

say("\n1. Addresses are values: made from literals, printed with tostring.")
local a4 = assert(lsock.addr("127.0.0.1", 7777))
local a6 = assert(lsock.addr("::1", 7777))
local au = assert(lsock.addr("/tmp/tour.sock"))
say("   lsock.addr('127.0.0.1', 7777) -> %s  (family %s, host %s, port %d)",
  tostring(a4), a4.family, a4.host, a4.port)
say("   lsock.addr('::1', 7777)       -> %s", tostring(a6))
say("   lsock.addr('/tmp/tour.sock')  -> %s  (family %s)", tostring(au), au.family)
say("   a bad literal gives nil and a message: %s", select(2, lsock.addr("300.1.2.3", 1)))

say("\n2. A TCP echo, with the listener, the client and the server's end here.")
local listener <close> = assert(lsock.socket("inet", "stream"))
listener:settimeout(2) -- nothing in this tour may wait longer than that
assert(listener:bind("127.0.0.1", 0))
assert(listener:listen())
local where = listener:getsockname()
say("   listening on %s (port 0 let the kernel choose)", tostring(where))
local client <close> = assert(lsock.socket("inet", "stream"))
client:settimeout(2)
assert(client:connect(where))
say("   connected: %s", tostring(client))
-- The connection is already in the listener's queue, so accept returns at once.
local conn <close>, peer = assert(listener:accept())
say("   accepted a client from %s", tostring(peer))
assert(client:sendall("hello, lsock"))
local line = assert(conn:recv(100))
assert(conn:sendall(line))
local echo = assert(client:recv(100))
say("   the client sent %q and the server echoed %q", line, echo)
assert(client:shutdown("wr"))
say("   after client:shutdown('wr') the server reads %q: end of stream", conn:recv(100))

say("\n3. A UDP exchange: recvfrom returns the sender, sendto answers it.")
local server <close> = assert(lsock.socket("inet", "dgram"))
server:settimeout(2)
assert(server:bind("127.0.0.1", 0))
local udp <close> = assert(lsock.socket("inet", "dgram"))
udp:settimeout(2)
assert(udp:sendto("ping", server:getsockname()))
local data, from = assert(server:recvfrom(100))
say("   the server got %q from %s", data, tostring(from))
assert(server:sendto("pong", from))
local reply, replier = assert(udp:recvfrom(100))
say("   the client got %q back from %s", reply, tostring(replier))

say("\n4. Names: getaddrinfo('localhost', '7777') for a stream socket.")
local answers, err = lsock.getaddrinfo("localhost", "7777", { socktype = "stream" })
if answers then
  for _, ai in ipairs(answers) do
    say("   %-5s %-6s protocol %d  %s", ai.family, ai.socktype, ai.protocol, tostring(ai.addr))
  end
else
  say("   lookup failed: %s", err)
end

say("\n5. The system saying no is a result, not an error: nil, message, errno.")
listener:close()
local late <close> = assert(lsock.socket("inet", "stream"))
local ok, msg, code = late:connect(where) -- nobody listens there any more
say("   connect to the closed listener -> %s, %q, %s (%d)",
  tostring(ok), msg, lsock.errno[code], code)
say("\nEnd of the tour.")
