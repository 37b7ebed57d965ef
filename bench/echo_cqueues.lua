-- The benchmark's cqueues server: one coroutine per connection.
-- usage: lua5.4 bench/echo_cqueues.lua [port]   (prints its address first)
local cqueues = require "cqueues"
local socket = require "cqueues.socket"

local srv = socket.listen{ host = "127.0.0.1", port = tonumber(arg[1] or 0), backlog = 4096 }
srv:listen()
local _, ip, port = srv:localname()
print(ip .. ":" .. port)
io.stdout:flush()

local cq = cqueues.new()
cq:wrap(function()
  for c in srv:clients() do
    cq:wrap(function()
      c:setmode("bn", "bn")   -- binary, no output buffering
      -- errors (a reset when the load generator leaves) end this client
      -- only: cqueues raises them from read by default
      pcall(function()
        while true do
          local data = c:read(-65536)
          if not data then break end
          c:write(data)
        end
      end)
      c:close()
    end)
  end
end)
assert(cq:loop())
