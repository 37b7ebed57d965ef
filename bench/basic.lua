-- The basic data-path benchmark (issue 8): six workloads, each run for
-- plain C, lsock and LuaSocket, same-CPU and split placements, rounds
-- alternating the implementations; prints one Markdown table.
-- Usage (from the repository root, after `make`; `make bench` does it):
--   [BENCH_ROUNDS=n] [BENCH_SECS=s] lua5.4 bench/basic.lua [quick] [workload ...]
-- "quick" runs one short round per case (CI smoke: it checks the byte
-- and operation counts, not the speed).
local runner = dofile("bench/runner.lua")

local quick, only = false, {}
for _, a in ipairs(arg) do
  if a == "quick" then quick = true else only[a] = true end
end

-- Short runs in many rounds: the three implementations of a round run
-- within seconds of each other, so their ratio sees the same machine.
local SECS = tonumber(os.getenv("BENCH_SECS")) or (quick and 0.15 or 0.5)
local ROUNDS = math.tointeger(tonumber(os.getenv("BENCH_ROUNDS")))
               or (quick and 1 or 11)
local BYTES = quick and 64 * 2^20 or 2^30     -- TCP bulk, both ways
BYTES = math.tointeger(BYTES)
-- "compat" is bench/lua/luasocket_basic.lua unchanged, on lsock.compat
-- (compat.install() before the script runs).
local IMPLS = {"c", "lsock", "luasocket", "compat"}

local workloads = {
  {id = "pingpong", title = "1 UDP ping-pong 32 B", unit = "rt/s",
   prog = "pingpong", peer = {"server", SECS}},
  {id = "blast", title = "2 UDP blast 64 B", unit = "dgram/s",
   prog = "blast", peer = {"server", SECS}},
  {id = "bulk", title = "3 TCP bulk 64 KiB", unit = "GiB/s",
   prog = "bulk", peer = {"server", BYTES}, extra = {BYTES}, rss = true},
  {id = "tcp_rr", title = "4 TCP req/resp 64 B", unit = "rt/s",
   prog = "rr", peer = {"server", "tcp", SECS}, family = "tcp"},
  {id = "conn", title = "5 TCP connections", unit = "conn/s",
   prog = "conn", peer = {"server", SECS}, rss = true},
  {id = "unix_rr", title = "6 unix req/resp 64 B", unit = "rt/s",
   prog = "rr", peer = {"server", "unix", SECS}, family = "unix"},
}

local function clientwords(w, impl, where)
  local words
  if impl == "c" then
    words = {"build/bench/" .. w.prog, "client"}
    if w.family then words[#words + 1] = w.family end
    words[#words + 1] = where
  elseif impl == "compat" then
    words = {"lua5.4", "-e", "require('lsock.compat').install()",
             "bench/lua/luasocket_basic.lua", w.id, where}
  else
    words = {"lua5.4", "bench/lua/" .. impl .. "_basic.lua", w.id, where}
  end
  for _, x in ipairs(w.extra or {}) do words[#words + 1] = x end
  return words
end

local failures = 0

-- One run: the rate in the workload's unit, and both sides' figures.
local function measure(w, place, impl)
  local peer = {"build/bench/" .. w.prog}
  for _, x in ipairs(w.peer) do peer[#peer + 1] = x end
  local srv, cli = runner.pair(runner.command(place.peer, peer),
    function(where)
      return runner.command(place.client, clientwords(w, impl, where))
    end)
  local problem
  if not srv then problem = cli
  elseif not (srv.ops and srv.secs and srv.cpu and cli.ops and cli.cpu) then
    problem = "missing figures"
  elseif srv.ops ~= cli.ops or srv.ops <= 0 then
    problem = ("counts differ: peer %s, client %s"):format(srv.ops, cli.ops)
  elseif w.id == "bulk" and (srv.ops ~= BYTES or cli.sent ~= BYTES // 2
                             or cli.received ~= BYTES // 2) then
    problem = ("bulk moved %s bytes, expected %d"):format(srv.ops, BYTES)
  elseif w.id == "blast" and srv.sent < srv.ops then
    problem = "received more datagrams than were sent"
  end
  if problem then
    failures = failures + 1
    io.stderr:write(("FAIL %s %s %s: %s\n"):format(w.id, place.name, impl,
                                                   problem))
    return nil
  end
  -- Per wall second, and per CPU second of both processes: the second
  -- is what other load on the machine does not inflate.
  local rate, cpurate = srv.ops / srv.secs, srv.ops / (srv.cpu + cli.cpu)
  if w.id == "bulk" then rate, cpurate = rate / 2^30, cpurate / 2^30 end
  return rate, {peer = srv, client = cli, cpurate = cpurate}
end

local function medianof(raw, get)
  local xs = {}
  for _, res in pairs(raw) do
    local v = get(res)
    if v then xs[#xs + 1] = v end
  end
  return runner.median(xs)
end

-- {impl = {per-CPU-second rate per round}} (nil where a run failed).
local function cpurates(raw)
  local out = {}
  for impl, list in pairs(raw) do
    out[impl] = {}
    for r = 1, ROUNDS do out[impl][r] = list[r] and list[r].cpurate end
  end
  return out
end

local rows = {}
local t0 = os.time()
for _, w in ipairs(workloads) do
  if next(only) == nil or only[w.id] then
    for _, place in ipairs(runner.placements) do
      local values, raw = runner.rounds(IMPLS, ROUNDS, function(impl)
        return measure(w, place, impl)
      end)
      for _, impl in ipairs(IMPLS) do
        local v = values[impl]
        local row = {w.title .. " (" .. w.unit .. ")", place.name, impl}
        local lo, hi = runner.range(v)
        row[4] = runner.fmt(runner.median(v))
        row[5] = next(v) and runner.fmt(lo) .. "-" .. runner.fmt(hi) or "failed"
        if impl == "lsock" or impl == "compat" then
          row[6] = runner.fmt(runner.median(runner.ratios(v, values.c)))
          row[7] = runner.fmt(runner.median(runner.ratios(v, values.luasocket)))
          local cpu = cpurates(raw)
          row[8] = runner.fmt(runner.median(runner.ratios(cpu[impl], cpu.c)))
          row[9] = runner.fmt(runner.median(runner.ratios(cpu[impl],
                                                          cpu.luasocket)))
        end
        if w.rss then
          row[10] = runner.fmt(medianof(raw[impl], function(r)
            return r.client.rss_kb end))
        end
        if w.id == "blast" then
          local loss = medianof(raw[impl], function(r)
            return 100 * (1 - r.peer.ops / r.peer.sent) end)
          row[11] = loss and ("loss %.0f%%"):format(loss)
        end
        rows[#rows + 1] = row
      end
      io.stderr:write(("%s %s done (%ds)\n"):format(w.id, place.name,
                                                   os.time() - t0))
    end
  end
end

print(("%d round(s) of %s s per case (bulk: %d MiB), %d failure(s)")
      :format(ROUNDS, SECS, BYTES >> 20, failures))
print()
runner.table({"workload", "CPUs", "impl", "median", "min-max", "impl/C",
              "impl/LuaSocket", "CPU: impl/C", "CPU: impl/LuaSocket",
              "peak RSS kB", "note"}, rows)
os.exit(failures == 0 and 0 or 1)
