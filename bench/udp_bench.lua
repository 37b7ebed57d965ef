-- UDP receive cost: runs every receiver of udp_bench.c / udp_recv.lua in
-- interleaved rounds (so that the load of the machine at a given moment
-- falls on all of them alike) and prints the medians as a markdown table.
--
--   lua5.4 bench/udp_bench.lua [rounds [count [cpu]]]
--
-- Needs build/udp_bench (make bench-udp builds it) and LuaSocket.
local rounds = math.tointeger(tonumber(arg[1])) or 7
local count = math.tointeger(tonumber(arg[2])) or 1000000
local cpu = math.tointeger(tonumber(arg[3])) or 1

local receivers = {
  {name = "C recvmmsg loop (64 per call)", cmd = "build/udp_bench recv"},
  {name = "lsock recvmmsg(64, 1500)", cmd = "lua5.4 bench/udp_recv.lua recvmmsg"},
  {name = "lsock recvfrom(1500) loop", cmd = "lua5.4 bench/udp_recv.lua recvfrom"},
  {name = "LuaSocket receivefrom(1500) loop", cmd = "lua5.4 bench/udp_recv.lua luasocket"},
  {name = "C recvfrom loop (reference)", cmd = "build/udp_bench recv1"},
}

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

for round = 1, rounds do
  for _, r in ipairs(receivers) do
    local cmd = ("build/udp_bench run -r 1 -n %d -c %d -- %s"):format(count, cpu, r.cmd)
    local p = assert(io.popen(cmd))
    local out = p:read("a")
    p:close()
    local ns = tonumber(out:match("^(%d+) ns/datagram"))
    local pct = tonumber(out:match("(%d+)%% of"))
    local per = tonumber(out:match("([%d.]+) per call"))
    if not ns then error("no result from: " .. cmd .. "\n" .. out) end
    r.ns = r.ns or {}
    r.pct = r.pct or {}
    r.ns[#r.ns + 1] = ns
    r.pct[#r.pct + 1] = pct
    r.per = r.per or {}
    r.per[#r.per + 1] = per
    io.stderr:write(("round %d: %-34s %5d ns/datagram\n"):format(round, r.name, ns))
  end
end

local c, lbatch, luasocket = receivers[1], receivers[2], receivers[4]
for _, r in ipairs(receivers) do
  r.lo, r.hi = math.huge, 0
  for _, v in ipairs(r.ns) do
    r.lo, r.hi = math.min(r.lo, v), math.max(r.hi, v)
  end
  r.med = median(r.ns)
  r.medpct = median(r.pct)
  r.medper = median(r.per)
end
print(("%d rounds, %d datagrams of 64 bytes sent per run, sender and receiver on CPU %d")
      :format(rounds, count, cpu))
print()
print("| receiver | CPU ns per datagram (median) | min..max | received | per call"
      .. " | vs C batch | vs LuaSocket |")
print("|---|---:|---:|---:|---:|---:|---:|")
for _, r in ipairs(receivers) do
  print(("| %s | %d | %d..%d | %d%% | %.1f | %.2fx | %.2fx |"):format(r.name, r.med, r.lo,
        r.hi, r.medpct, r.medper, r.med / c.med, r.med / luasocket.med))
end
print()
print(("lsock batch / LuaSocket = %.2f (target <= 0.5); lsock batch / C batch = %.2f"
       .. " (target <= 1.2)"):format(lbatch.med / luasocket.med, lbatch.med / c.med))
