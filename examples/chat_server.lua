-- A chat server with coroutines: every line a client sends goes to every
-- other client.  Each connection is a task of lsock.loop; its recv and
-- sendall yield while they wait, so one slow client stalls nobody.
-- usage: lua5.4 examples/chat_server.lua [host [port]]
--   port 0 picks a free port; the first line printed is the bound address.
local server = require "lsock.server"
local loop = require "lsock.loop"

if arg[1] == "-h" or arg[1] == "--help" then
  print("usage: lua5.4 examples/chat_server.lua [host [port]]")
  os.exit(0)
end
local host, port = arg[1] or "127.0.0.1", tonumber(arg[2] or 9003)
io.stdout:setvbuf("line")

-- Each client has an outbox and a writer task that empties it: a reader
-- never waits on somebody else's slow connection, and only one task ever
-- writes to a socket.
local clients = {}             -- socket -> {name=, outbox=, writer=, parked=}

local function writer(sock, c)
  while true do
    if #c.outbox == 0 then
      if c.gone then return end
      c.parked = true
      loop.suspend()
    else
      local line = table.remove(c.outbox, 1)
      if not sock:sendall(line) then return end
    end
  end
end

local function post(c, line)
  c.outbox[#c.outbox + 1] = line
  if c.parked then
    c.parked = false
    loop.wakeup(c.writer)
  end
end

local function broadcast(from, line)
  for sock, c in pairs(clients) do
    if sock ~= from then post(c, line) end
  end
end

local function chat(sock, peer)
  local c = { name = tostring(peer), outbox = {} }
  c.writer = loop.spawn(writer, sock, c)
  clients[sock] = c
  broadcast(sock, "* " .. c.name .. " joined\n")
  local buf = ""
  while true do
    local data = sock:recv(4096)
    if not data or data == "" then break end
    buf = buf .. data
    -- Send on every complete line; keep the rest for later.
    for line in buf:gmatch("[^\n]*\n") do broadcast(sock, c.name .. ": " .. line) end
    buf = buf:match("[^\n]*$")
  end
  clients[sock] = nil
  broadcast(sock, "* " .. c.name .. " left\n")
  -- Let the writer finish what is queued for this client (the server
  -- closes the socket when this handler returns).
  c.gone = true
  post(c, "")
  while #c.outbox > 0 and coroutine.status(c.writer) ~= "dead" do loop.sleep(0.01) end
end

local srv = assert(server.tcp{
  host = host, port = port, mode = "coroutine", handler = chat,
  max = 1000,
})
print(srv.addr)
srv:run()
