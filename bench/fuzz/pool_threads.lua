-- A stress run of the lookup pool's threads (csrc/gaipool.c) for
-- `make test-tsan`: lookups and reverse lookups from many tasks, some
-- cancelled in flight, then a forked child that resolves on a pool of its
-- own.  Only /etc/hosts names (localhost): nothing leaves the machine.
-- Exits non-zero when an answer is wrong; ThreadSanitizer's
-- halt_on_error makes a race fail the run.
-- usage: lua5.4 bench/fuzz/pool_threads.lua [rounds]
local lsock = require "lsock"
local loop = require "lsock.loop"

local ROUNDS = math.tointeger(tonumber(arg[1] or 3)) or 3
for _ = 1, ROUNDS do
  local n = 0
  for i = 1, 100 do
    loop.spawn(function()
      local ai = loop.getaddrinfo("localhost", i, {family = "inet"})
      assert(ai and ai[1].addr.port == i)
      if i % 3 == 0 then assert(loop.getnameinfo(ai[1].addr)) end
      n = n + 1
    end)
  end
  -- cancel some in flight
  local ts = {}
  for i = 1, 20 do ts[i] = loop.spawn(function() loop.getaddrinfo("localhost", i) end) end
  loop.spawn(function() for i = 1, 20 do loop.cancel(ts[i]) end end)
  loop.run()
  assert(n == 100, n)
end
local pid = lsock.fork()
if pid == 0 then
  loop.spawn(function() assert(loop.getaddrinfo("localhost", 1)) end)
  loop.run()
  os.exit(0, true)
end
local _, how, code = lsock.wait(pid)
assert(how == "exited" and code == 0, "child: " .. tostring(how) .. " " .. tostring(code))
print(("pool threads: %d rounds, clean"):format(ROUNDS))
