-- One process, several clients, and the keyboard: select waits on the
-- listening socket, every connected client and standard input at once.
-- Clients get back what they send (an echo server); pressing Enter (or
-- closing standard input) stops the server.
-- usage: lua5.4 examples/select_stdin_server.lua [host [port]]
--   port 0 picks a free port; the first line printed is the bound address.
local lsock = require "lsock"

if arg[1] == "-h" or arg[1] == "--help" then
  print("usage: lua5.4 examples/select_stdin_server.lua [host [port]]")
  os.exit(0)
end
local host, port = arg[1] or "127.0.0.1", tonumber(arg[2] or 9001)
io.stdout:setvbuf("line")

local srv = assert(lsock.socket("inet", "stream"))
assert(srv:setsockopt("socket", "reuseaddr", true))
assert(srv:bind(host, port))
assert(srv:listen())
print(srv:getsockname())
print("press Enter to stop")

local STDIN = 0            -- a descriptor number: select takes those too
local clients = {}

local function drop(c)
  for i, x in ipairs(clients) do
    if x == c then table.remove(clients, i) break end
  end
  c:close()
end

local running = true
while running do
  local readers = { STDIN, srv }
  for _, c in ipairs(clients) do readers[#readers + 1] = c end
  local ready = assert(lsock.select(readers, nil))
  for _, r in ipairs(ready) do
    if r == STDIN then
      io.read("L")            -- a line, or nil at end of input: stop
      running = false
    elseif r == srv then
      local c, peer = srv:accept()
      if c then
        clients[#clients + 1] = c
        print("connected: " .. tostring(peer))
      end
    else
      local data = r:recv(4096)
      if data and data ~= "" then
        r:sendall(data)
      else
        print("disconnected: " .. tostring(r:getpeername()))
        drop(r)
      end
    end
  end
end
for _, c in ipairs(clients) do c:close() end
srv:close()
print("stopped")
