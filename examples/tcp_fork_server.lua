-- The course's forking server: one child process per client.  The client
-- sends integers, one per line; the child answers each with the integer
-- plus one.  The parent only accepts, forks and reaps its children.
-- usage: lua5.4 examples/tcp_fork_server.lua [host [port [max_clients]]]
--   port 0 picks a free port; the first line printed is the bound address.
--   max_clients (default: no limit) makes the parent exit after that many.
local lsock = require "lsock"

if arg[1] == "-h" or arg[1] == "--help" then
  print("usage: lua5.4 examples/tcp_fork_server.lua [host [port [max_clients]]]")
  os.exit(0)
end
local host, port = arg[1] or "127.0.0.1", tonumber(arg[2] or 9000)
local max = tonumber(arg[3] or math.huge)
io.stdout:setvbuf("line")

local srv = assert(lsock.socket("inet", "stream"))
assert(srv:setsockopt("socket", "reuseaddr", true))
assert(srv:bind(host, port))
assert(srv:listen())
print(srv:getsockname())

-- Reads one line (without the newline) from a blocking socket; nil at
-- the end of the stream.  'buf' holds what came after the last line.
local function readline(sock, buf)
  while true do
    local i = buf:find("\n", 1, true)
    if i then return buf:sub(1, i - 1), buf:sub(i + 1) end
    local data = sock:recv(4096)
    if not data or data == "" then return nil end
    buf = buf .. data
  end
end

local function serve(sock)
  local buf = ""
  while true do
    local line
    line, buf = readline(sock, buf)
    if not line then return end
    local n = math.tointeger(tonumber(line))
    local reply = n and tostring(n + 1) or "error: not an integer"
    if not sock:sendall(reply .. "\n") then return end
  end
end

-- Reap every child that has finished, without waiting for the others
-- (wait says nil when there are no children at all, 0 when none is done).
local function reap()
  repeat
    local pid = lsock.wait(-1, "nohang")
  until not pid or pid == 0
end

-- accept waits in select at most half a second, so that finished
-- children are reaped promptly even when no client comes: no zombies.
local served = 0
while served < max do
  local ready = lsock.select({ srv }, nil, 0.5)
  if ready and ready[1] then
    local client, peer = srv:accept()
    if client then
      served = served + 1
      local pid = assert(lsock.fork())
      if pid == 0 then          -- the child: serve this client, then exit
        srv:close()
        serve(client)
        client:close()
        os.exit(0)
      end
      client:close()            -- the parent: the child has its own copy
      io.stderr:write("client ", tostring(peer), " served by process ", pid, "\n")
    end
  end
  reap()
end
-- Wait for the last children before leaving.
while lsock.wait() do end
