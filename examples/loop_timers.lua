-- Timers, timeouts and names inside lsock.loop: a heartbeat client and its
-- echo server in one program.  The client resolves its server's name with
-- loop.getaddrinfo (on a worker thread: the other tasks go on), sends a
-- ping every 0.1 s with loop.every, waits for each answer at most 1 s with
-- loop.timeout, and stops after `count` answers (loop.after is the
-- watchdog that gives up after 5 s).  A last read from a silent server
-- shows a timeout that leaves the socket usable.
-- usage: lua5.4 examples/loop_timers.lua [count]
local lsock = require "lsock"
local loop = require "lsock.loop"
local server = require "lsock.server"

if arg[1] == "-h" or arg[1] == "--help" then
  print("usage: lua5.4 examples/loop_timers.lua [count]")
  os.exit(0)
end
local count = math.tointeger(tonumber(arg[1] or 3)) or 3
io.stdout:setvbuf("line")

-- The echo server, served by tasks of this same loop (run() inside a task).
local srv = assert(server.tcp{
  host = "127.0.0.1", port = 0, mode = "coroutine",
  handler = function(sock)
    while true do
      local data = sock:recv(100)
      if not data or data == "" then return end
      if data ~= "quiet\n" then sock:sendall(data) end
    end
  end,
})
loop.spawn(function() srv:run() end)

local watchdog = loop.after(5, function()
  print("gave up after 5 s")
  os.exit(1)
end)

loop.spawn(function()
  local ai = assert(loop.getaddrinfo("localhost", srv.addr.port,
                                     { family = "inet", socktype = "stream" }))
  print("resolved localhost -> " .. ai[1].addr.host)
  local sock = loop.wrap(assert(lsock.tcp.connect(ai[1].addr.host, ai[1].addr.port)))
  local sent = 0
  local done = false
  local ticker = loop.every(0.1, function()
    if done then return end
    sent = sent + 1
    sock:sendall("ping " .. sent .. "\n")
  end)
  -- Read the answers; each may take at most 1 s.
  local got = 0
  while got < count do
    local line, err = loop.timeout(1, sock.recv, sock, 100)
    if not line then print("no answer: " .. err) break end
    for _ in line:gmatch("ping %d+\n") do
      got = got + 1
      print("pong " .. got)
    end
  end
  done = true
  ticker:cancel()
  -- The server answers nothing to "quiet": the wait ends after 0.2 s,
  -- and the socket still works afterwards.
  sock:sendall("quiet\n")
  print("silent server: " .. select(2, loop.timeout(0.2, sock.recv, sock, 100)))
  sock:close()
  watchdog:cancel()
  srv:close()
end)

loop.run()
print("done")
