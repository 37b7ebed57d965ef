-- fdpass.lua: a parent accepts TCP connections and hands each one to a
-- child process over a unix socket with SCM_RIGHTS; the child serves it.
--
--   lua5.4 examples/fdpass.lua [port [count]]
--
-- The parent listens on 127.0.0.1 (port 0: any; it prints the port), and
-- starts the child as a second lua5.4 running this file with --child.
-- Without fork (the Lua layer need not have it) the two meet on a unix
-- seqpacket socket in the abstract namespace instead of a socketpair: the
-- passing is the same, and seqpacket keeps each message whole.  For each
-- connection the parent sends the descriptor with sendfds and closes its
-- own copy; the child wraps what recvfds gives with lsock.fromfd, answers
-- one line and closes it.  After count connections (default 3) the
-- parent says "bye" and both exit.
local lsock = require "lsock"

local function pid()
  local f = assert(io.open("/proc/self/stat"))
  local n = f:read("l"):match("^(%d+)")
  f:close()
  return n
end

local function child(name)
  local ctl = assert(lsock.socket("unix", "seqpacket"))
  assert(ctl:connect(name))
  for _ = 1, 1000 do
    local what, fds = ctl:recvfds(16, 1)
    if not what or what == "" or what == "bye" then break end
    local conn = assert(lsock.fromfd(fds[1]))
    conn:settimeout(10)
    local line = conn:recv(1024) or ""
    conn:send(("child %s served: %s"):format(pid(), line))
    conn:close()
  end
  ctl:close()
end

if arg[1] == "--child" then
  child("\0" .. arg[2])
  os.exit(0)
end

local port = math.tointeger(tonumber(arg[1])) or 0
local count = math.tointeger(tonumber(arg[2])) or 3

-- the meeting point: an abstract unix name, gone when the socket closes
local name = ("\0lsock-fdpass-%s-%d"):format(pid(), math.random(1, 1 << 30))
local meet = assert(lsock.socket("unix", "seqpacket"))
assert(meet:bind(name))
assert(meet:listen(1))
-- the name holds a NUL: pass it to the child as \0-free text
local kid = io.popen(("lua5.4 %q --child %q"):format(arg[0], name:sub(2)), "w")
meet:settimeout(10)
local ctl = assert(meet:accept())
meet:close()

local l = assert(lsock.socket("inet", "stream"))
assert(l:setsockopt("socket", "reuseaddr", true))
assert(l:bind("127.0.0.1", port))
assert(l:listen())
print(("parent %s listening on %s"):format(pid(), tostring(l:getsockname())))
io.stdout:flush()
for _ = 1, count do
  local conn, peer = assert(l:accept())
  assert(ctl:sendfds("conn", {conn}))
  conn:close()  -- the child has its own descriptor now
  print(("handed %s to the child"):format(tostring(peer)))
  io.stdout:flush()
end
ctl:send("bye")
ctl:close()
l:close()
kid:close()
