-- Many connections in one process: 2,000 coroutine clients, all open at
-- once, against a coroutine server, each doing request/response with
-- every byte checked.
local lsock = require "lsock"
local loop = require "lsock.loop"
local server = require "lsock.server"

local N, ROUNDS = 2000, 4

-- The bytes client i sends in round r: sizes from 1 to ~4 KB, content
-- that differs per client, round and position.
local function payload(i, r)
  local size = 1 + (i * 131 + r * 977) % 4000
  local seed = ("%d/%d:"):format(i, r)
  return (seed:rep(size // #seed + 1)):sub(1, size)
end

describe("lsock.loop at scale", function()
  it("serves 2000 concurrent clients, every byte checked", function()
    local srv = assert(server.tcp{
      host = "127.0.0.1", mode = "coroutine", backlog = 4096,
      handler = function(sock)
        while true do
          local d = sock:recv(65536)
          if not d or d == "" then return end
          assert(sock:sendall(d))
        end
      end,
    })
    local pid = assert(lsock.fork())
    if pid == 0 then
      srv:run()
      os.exit(0)
    end
    srv.sock:close()
    finally(function()
      os.execute("kill -9 " .. pid)
      lsock.wait(pid)
    end)

    local connected, done, failures = 0, 0, {}
    local waiting = {}
    local t0 = lsock.monotime()
    for i = 1, N do
      loop.spawn(function()
        local c <close> = loop.wrap(assert(lsock.socket("inet", "stream")))
        c:settimeout(30)
        assert(c:connect(srv.addr))
        connected = connected + 1
        -- a barrier: nobody talks before all are connected
        if connected < N then
          waiting[#waiting + 1] = coroutine.running()
          loop.suspend()
        else
          for _, co in ipairs(waiting) do loop.wakeup(co) end
        end
        for r = 1, ROUNDS do
          local msg = payload(i, r)
          assert(c:sendall(msg))
          local parts, got = {}, 0
          while got < #msg do
            local d = assert(c:recv(#msg - got))
            assert(d ~= "", "server closed early")
            parts[#parts + 1] = d
            got = got + #d
          end
          local back = table.concat(parts)
          if back ~= msg then failures[#failures + 1] = i end
        end
        done = done + 1
      end)
    end
    -- a ticker, so that until_fn is asked even if all traffic stopped
    loop.spawn(function()
      while done < N and lsock.monotime() - t0 < 120 do loop.sleep(0.1) end
    end)
    local errors = {}
    loop.onerror = function(msg) errors[#errors + 1] = msg end
    loop.run(function()
      return done == N or #errors > 0 or lsock.monotime() - t0 > 120
    end)
    assert.same({}, errors)
    assert.equal(N, connected)
    assert.equal(N, done)
    assert.same({}, failures)
  end)
end)
