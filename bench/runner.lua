-- The shared runner of bench/: starts a peer and a client as separate
-- processes (pinned with taskset, bounded by timeout), reads the
-- "key=value" lines they print, alternates implementations round by
-- round, and turns the figures into medians, ranges, per-round ratios
-- and a Markdown table.  Plain Lua: the runner itself loads no library
-- under test.  Usage from a driver: local runner = dofile("bench/runner.lua")
local M = {}

-- Where the two processes run: both on CPU 0 (the library's own CPU
-- cost) or client on CPU 0 and peer on CPU 1 (what a user sees).
M.placements = {
  {name = "same", peer = "taskset -c 0", client = "taskset -c 0"},
  {name = "split", peer = "taskset -c 1", client = "taskset -c 0"},
}

-- A machine (or CI container) with one CPU has no CPU 1: measure "same"
-- only, and say so.
do
  local p = io.popen("nproc 2>/dev/null")
  local n = p and tonumber(p:read("l") or "")
  if p then p:close() end
  if n and n < 2 then
    io.stderr:write("bench: one CPU only, skipping the split placement\n")
    M.placements[2] = nil
  end
end

-- No process may outlive this many seconds, whatever goes wrong.
M.limit = 120

function M.quote(s)
  s = tostring(s)
  if s:match("^[%w%./_=:,+-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- A command line from an array of words; a leading string is kept as is
-- (the taskset prefix).
function M.command(prefix, words)
  local out = {"timeout -k 2", tostring(M.limit), prefix}
  for _, w in ipairs(words) do out[#out + 1] = M.quote(w) end
  return table.concat(out, " ")
end

-- "a=1 b=x" -> {a = 1, b = "x"}; numbers become numbers.
function M.parse(line)
  local t = {}
  for k, v in (line or ""):gmatch("([%w_]+)=(%S+)") do
    t[k] = tonumber(v) or v
  end
  return t
end

local function lastline(text)
  local last
  for l in text:gmatch("[^\n]+") do
    if l:find("=") then last = l end
  end
  return last
end

-- Run one measurement: 'peer' is a command whose first line is
-- "port=N" or "path=P"; client(value) builds the client command for it.
-- Returns the peer's and the client's last key=value lines as tables,
-- or nil and a message when either side failed.
function M.pair(peer, client)
  local p = assert(io.popen(peer, "r"))
  local first = p:read("l")
  local value = first and first:match("^%w+=(%S+)$")
  if not value then
    p:close()
    return nil, "peer printed no address: " .. tostring(first)
  end
  local c = assert(io.popen(client(value), "r"))
  local cout = c:read("a")
  local cok, _, ccode = c:close()
  local pout = p:read("a")
  local pok, _, pcode = p:close()
  if not cok then return nil, "client failed (exit " .. tostring(ccode) .. ")" end
  if not pok then return nil, "peer failed (exit " .. tostring(pcode) .. ")" end
  return M.parse(lastline(pout)), M.parse(lastline(cout))
end

-- The list rotated left by r - 1: round r starts with a different
-- implementation, so no one always runs first (or last) in a round.
function M.rotate(list, r)
  local out = {}
  for i = 1, #list do out[i] = list[(i + r - 2) % #list + 1] end
  return out
end

-- Lists may have holes where a run failed: pairs, not ipairs.
function M.median(xs)
  local s = {}
  for _, x in pairs(xs) do s[#s + 1] = x end
  table.sort(s)
  local n = #s
  if n == 0 then return nil end
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

function M.range(xs)
  local lo, hi = math.huge, -math.huge
  for _, x in pairs(xs) do
    if x < lo then lo = x end
    if x > hi then hi = x end
  end
  return lo, hi
end

-- Per-round ratios a[r] / b[r] (rounds where both ran).
function M.ratios(a, b)
  local out = {}
  for r, x in pairs(a) do
    if b[r] and b[r] > 0 then out[#out + 1] = x / b[r] end
  end
  return out
end

-- Runs measure(impl, round) for every implementation, rounds times,
-- alternating the order; returns {impl = {value per round}} and the
-- raw results {impl = {result per round}}.
function M.rounds(impls, rounds, measure)
  local values, raw = {}, {}
  for _, impl in ipairs(impls) do values[impl], raw[impl] = {}, {} end
  for r = 1, rounds do
    for _, impl in ipairs(M.rotate(impls, r)) do
      local v, res = measure(impl, r)
      values[impl][r], raw[impl][r] = v, res
    end
  end
  return values, raw
end

-- A number with a few significant digits: 12345 -> "12345", 1.2345 -> "1.23".
function M.fmt(x)
  if x == nil then return "" end
  if x >= 1000 then return ("%.0f"):format(x) end
  if x >= 100 then return ("%.1f"):format(x) end
  return ("%.2f"):format(x)
end

-- Prints rows (arrays of strings) under a header as a Markdown table.
function M.table(header, rows, out)
  out = out or io.stdout
  local width = {}
  for _, row in ipairs({header, table.unpack(rows)}) do
    for i, cell in ipairs(row) do
      width[i] = math.max(width[i] or 3, #cell)
    end
  end
  local function line(row)
    local cells = {}
    for i = 1, #header do
      local c = row[i] or ""
      cells[i] = c .. string.rep(" ", width[i] - #c)
    end
    out:write("| ", table.concat(cells, " | "), " |\n")
  end
  line(header)
  local sep = {}
  for i = 1, #header do sep[i] = string.rep("-", width[i]) end
  line(sep)
  for _, row in ipairs(rows) do line(row) end
  out:flush()
end

return M
