-- lsock.loop's name lookups and timers (bench/RESULTS-loop.md).  Run by
-- `make bench-loop` inside a private network/mount/pid namespace where
-- /etc/resolv.conf names 127.0.0.1 and spec/slowdns.py answers at once
-- (hN.slow.test -> 10.99.1.N): nothing leaves the machine.
-- usage: lua5.4 bench/loop_names.lua [lookups [concurrency [rounds]]]
local lsock = require "lsock"
local loop = require "lsock.loop"

local N = math.tointeger(tonumber(arg[1] or 2000))
local CONC = math.tointeger(tonumber(arg[2] or 64))
local ROUNDS = math.tointeger(tonumber(arg[3] or 3))
local HINTS = { family = "inet", socktype = "stream" }
local now = lsock.monotime

local function name(i) return ("h%d.slow.test"):format(i % 250 + 1) end

local function sequential()
  local t0 = now()
  for i = 0, N - 1 do assert(lsock.getaddrinfo(name(i), nil, HINTS)) end
  return now() - t0
end

local function pool()
  local t0, next = now(), 0
  for _ = 1, CONC do
    loop.spawn(function()
      while next < N do
        local i = next
        next = next + 1
        assert(loop.getaddrinfo(name(i), nil, HINTS))
      end
    end)
  end
  loop.run()
  return now() - t0
end

local function c_gai_a()
  local p = assert(io.popen(("build/bench/gai_a %d %d"):format(N, CONC)))
  local out = p:read("a")
  p:close()
  return assert(tonumber(out:match("^%d+ ([%d.]+)")), out)
end

local K = 200000
local function after_cancel()
  local t0
  loop.spawn(function()
    t0 = now()
    local f = function() end
    for _ = 1, K do loop.after(1, f):cancel() end
  end)
  loop.run()
  return now() - t0
end

local function after_fire()
  local t0, fired = now(), 0
  local f = function() fired = fired + 1 end
  for _ = 1, K do loop.after(0, f) end
  loop.run()
  assert(fired == K)
  return now() - t0
end

local function sleeps()
  local t0 = now()
  loop.spawn(function() for _ = 1, K do loop.sleep(0) end end)
  loop.run()
  return now() - t0
end

local function median(fn)
  local t = {}
  for i = 1, ROUNDS do t[i] = fn() end
  table.sort(t)
  return t[(ROUNDS + 1) // 2]
end

local seq, pl, c = median(sequential), median(pool), median(c_gai_a)
print(("lookups: %d, %d at a time, medians of %d"):format(N, CONC, ROUNDS))
print(("  sequential lsock.getaddrinfo  %8.0f/s"):format(N / seq))
print(("  loop.getaddrinfo (pool)       %8.0f/s   %.2fx sequential, %.2fx C"):format(
  N / pl, seq / pl, c / pl))
print(("  C getaddrinfo_a               %8.0f/s"):format(N / c))
local ac, af, sl = median(after_cancel), median(after_fire), median(sleeps)
print(("timers: %d each"):format(K))
print(("  after + cancel                %8.0f/s   %.2fx sleep(0)"):format(K / ac, sl / ac))
print(("  after(0) fired                %8.0f/s   %.2fx sleep(0)"):format(K / af, sl / af))
print(("  loop.sleep(0) in one task     %8.0f/s"):format(K / sl))
