-- Load-test client over lsock.loop: CONNECTIONS concurrent connections,
-- MESSAGES messages in all, random sizes 0..MAXSIZE; every echoed frame
-- must equal the one sent (so nothing is lost, reordered or corrupted).
-- Usage: lua5.4 bench/load/client.lua PORT CONNECTIONS MESSAGES [MAXSIZE [SEED]]
-- Prints "client MSGS BYTES BAD SECONDS".
local lsock = require "lsock"
local loop = require "lsock.loop"

local port = assert(math.tointeger(tonumber(arg[1])))
local conns = assert(math.tointeger(tonumber(arg[2])))
local total = assert(math.tointeger(tonumber(arg[3])))
local maxsize = math.tointeger(tonumber(arg[4] or "")) or 1024
math.randomseed(math.tointeger(tonumber(arg[5] or "")) or 1)

-- Payloads are slices of one random blob.
local parts = {}
for i = 1, 65536 do parts[i] = string.char(math.random(0, 255)) end
local blob = table.concat(parts):rep(4)

local msgs, bytes, bad, finished = 0, 0, 0, 0
local t0 = lsock.monotime()

for i = 1, conns do
  local n = total // conns + (i <= total % conns and 1 or 0)
  loop.spawn(function()
    local s = loop.wrap(assert(lsock.socket("inet", "stream")))
    s:settimeout(60)
    local ok, msg = s:connect("127.0.0.1", port)
    if not ok then
      bad = bad + n
      io.stderr:write("connect: ", msg, "\n")
      finished = finished + 1
      return
    end
    for _ = 1, n do
      local len = math.random(0, maxsize)
      local off = math.random(1, #blob - len)
      local data = blob:sub(off, off + len - 1)
      local frame = string.pack(">I4I2", len, lsock.checksum(data)) .. data
      local sent = s:sendall(frame)
      local back = sent and s:recv(#frame, "waitall")
      if back == frame then
        msgs, bytes = msgs + 1, bytes + len
      else
        bad = bad + 1
      end
    end
    s:close()
    finished = finished + 1
  end)
end
loop.run()
print(("client %d %d %d %.1f"):format(msgs, bytes, bad, lsock.monotime() - t0))
