-- fdpass.lua: a parent accepts TCP connections and hands each one to a
-- child process over a unix socket with SCM_RIGHTS; the child serves it.
--
--   lua5.4 examples/fdpass.lua [port [count]] [--spawn]
--
-- The parent listens on 127.0.0.1 (port 0: any; it prints the port).
-- With lsock.fork it makes a seqpacket socketpair and forks: the child
-- keeps one end.  With --spawn (or without lsock.fork) the child is a
-- second lua5.4 running this file with --child, not related to the
-- parent's descriptors at all, and the two meet on a unix seqpacket
-- socket in the abstract namespace: the passing is the same.  Seqpacket
-- keeps each message whole.  For each connection the parent sends the
-- descriptor with sendfds and closes its own copy; the child wraps what
-- recvfds gives with lsock.fromfd, answers one message and closes it.
-- After count connections (default 3) the parent says "bye" and both exit.
local lsock = require "lsock"

local function pid()
  local f = assert(io.open("/proc/self/stat"))
  local n = f:read("l"):match("^(%d+)")
  f:close()
  return n
end

-- The child's side: serve every connection that comes over ctl.
local function serve(ctl)
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

local pos, spawn = {}, false
for i, a in ipairs(arg) do
  if a == "--child" then
    local ctl = assert(lsock.socket("unix", "seqpacket"))
    assert(ctl:connect("\0" .. arg[i + 1]))
    serve(ctl)
    os.exit(0)
  elseif a == "--spawn" then
    spawn = true
  else
    pos[#pos + 1] = a
  end
end
local port = math.tointeger(tonumber(pos[1])) or 0
local count = math.tointeger(tonumber(pos[2])) or 3

-- ctl: the parent's end of the unix connection to the child.
local ctl, finish
if lsock.fork and not spawn then
  local mine, theirs = assert(lsock.socketpair("unix", "seqpacket"))
  local child = assert(lsock.fork())
  if child == 0 then
    mine:close()
    serve(theirs)
    os.exit(0)
  end
  theirs:close()
  ctl = mine
  finish = function() lsock.wait(child) end
else
  -- an abstract name (no file to remove); it holds a NUL, so the child
  -- gets it as text without the leading "\0"
  local name = ("lsock-fdpass-%s-%d"):format(pid(), math.random(1, 1 << 30))
  local meet = assert(lsock.socket("unix", "seqpacket"))
  assert(meet:bind("\0" .. name))
  assert(meet:listen(1))
  local kid = io.popen(("lua5.4 %q --child %q"):format(arg[0], name), "w")
  meet:settimeout(10)
  ctl = assert(meet:accept())
  meet:close()
  finish = function() kid:close() end
end

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
finish()
