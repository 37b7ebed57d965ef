--- lsock.compat_select: LuaSocket's `socket.select` over lsock.select
-- (poll underneath, so no 1024-descriptor ceiling).  Objects whose
-- buffer holds data (`dirty()`) count as readable at once, since poll
-- cannot see bytes already read into Lua.
-- @usage local r, w, err = require("lsock.compat").select({c}, nil, 1)
-- @module lsock.compat_select
local M = {}

--- The select function for compat table `compat`, waiting with `sel`.
-- @tparam table _ the compat module (unused)
-- @tparam function sel lsock.select
-- @treturn function select(recvt, sendt, timeout) with LuaSocket's results
-- @usage compat.select = require("lsock.compat_select").new(compat, lsock.select)
function M.new(_, sel)
  -- Adds to `list` what lsock.select takes for each entry of `t`.
  local function gather(t, list, back, ready)
    if type(t) ~= "table" then return end
    for _, o in ipairs(t) do
      local key
      if type(o) == "table" then
        local s = rawget(o, "_sock")
        if s then key = s
        elseif rawget(o, "_kind") == nil and o.getfd then
          local fd = o:getfd()
          if fd and fd >= 0 then key = math.tointeger(fd) end
        end
        if ready and key and o.dirty and o:dirty() then
          ready[#ready + 1] = o; ready[o] = #ready
        end
      end
      if key and back[key] == nil then
        list[#list + 1] = key
        back[key] = o
      end
    end
  end

  -- The select function: ready readers, ready writers (arrays, and each
  -- object a key giving its index), and `"timeout"` when none is.
  return function(recvt, sendt, timeout)
    local rl, wl, rback, wback = {}, {}, {}, {}
    local rout, wout = {}, {}
    gather(recvt, rl, rback, rout)
    gather(sendt, wl, wback)
    timeout = tonumber(timeout)
    if timeout and timeout < 0 then timeout = nil end
    if #rout > 0 then timeout = 0 end
    if #rl == 0 and #wl == 0 then
      if timeout then require("lsock.core").sleep(timeout) end
      if #rout > 0 then return rout, wout end
      return rout, wout, "timeout"
    end
    local r, w = sel(rl, wl, timeout)
    if not r then return rout, wout, w end
    for _, k in ipairs(r) do
      local o = rback[k]
      if not rout[o] then rout[#rout + 1] = o; rout[o] = #rout end
    end
    for _, k in ipairs(w) do
      local o = wback[k]
      wout[#wout + 1] = o; wout[o] = #wout
    end
    if #rout == 0 and #wout == 0 then return rout, wout, "timeout" end
    return rout, wout
  end
end

return M
