-- Out of descriptors: a coroutine server under a lowered `ulimit -n`
-- backs off instead of spinning, keeps serving its open connections, and
-- accepts the waiting clients as soon as descriptors are free again.
local lsock = require "lsock"
local support = require "support_poll"

local SERVER = [[
  local server = require "lsock.server"
  io.stdout:setvbuf("line")
  local srv = assert(server.tcp{
    host = "127.0.0.1", mode = "coroutine", backoff = 0.05,
    handler = function(sock)
      while true do
        local d = sock:recv(100)
        if not d or d == "" then return end
        sock:sendall(d:upper())
      end
    end,
  })
  print(srv.addr)
  srv:run()
]]

describe("server.tcp under EMFILE", function()
  it("backs off, keeps the established connections, then accepts the rest", function()
    local child = support.lua(SERVER, "", "ulimit -n 32; ")
    local clients = {}
    finally(function()
      for _, c in ipairs(clients) do c:close() end
      support.stop(child)
    end)
    local addr = support.readaddr(child)
    -- 45 clients: connect succeeds for all (the kernel completes the
    -- handshake), but the server can accept only ~25 of them.
    for i = 1, 45 do
      clients[i] = support.connect(addr, 5)
      assert(clients[i]:sendall(("ping %02d"):format(i)))
    end
    -- Whoever was accepted has an answer by now.
    lsock.sleep(0.5)
    local ready = assert(lsock.select(clients, nil, 0))
    local served, waiting = {}, {}
    for i, c in ipairs(clients) do
      if ready[c] then
        assert.equal(("PING %02d"):format(i), support.recvn(c, 7))
        served[#served + 1] = i
      else
        waiting[#waiting + 1] = i
      end
    end
    assert.is_true(#served >= 10, "served " .. #served)
    assert.is_true(#waiting >= 10, "waiting " .. #waiting)
    -- Out of descriptors, the server must not spin: it sleeps between
    -- accept attempts (a spinning loop would take the whole second).
    local cpu0 = support.cputime(child.pid)
    lsock.sleep(1)
    local cpu = support.cputime(child.pid) - cpu0
    assert.is_true(cpu < 0.5, ("used %.2f s of CPU in 1 s"):format(cpu))
    -- The established connections are still served.
    for _, i in ipairs(served) do
      assert(clients[i]:sendall(("again %02d"):format(i)))
      assert.equal(("AGAIN %02d"):format(i), support.recvn(clients[i], 8))
    end
    -- Free descriptors: the waiting clients get in, and their pending
    -- requests are answered.
    local freed = #waiting + 2
    for k = 1, math.min(freed, #served) do
      local i = served[k]
      clients[i]:close()
      clients[i] = nil
    end
    for _, i in ipairs(waiting) do
      local c = clients[i]
      c:settimeout(5)
      assert.equal(("PING %02d"):format(i), support.recvn(c, 7))
      assert(c:sendall("last"))
      assert.equal("LAST", support.recvn(c, 4))
    end
    local rest = {}
    for i = 1, 45 do if clients[i] then rest[#rest + 1] = clients[i] end end
    clients = rest
  end)
end)
