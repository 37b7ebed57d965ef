--- lsock.compat_select: LuaSocket's `socket.select` over lsock.select
-- (poll underneath, so no 1024-descriptor ceiling).  Objects whose
-- buffer holds data (`dirty()`) count as readable at once, since poll
-- cannot see bytes already read into Lua.
--
-- A program that calls select again and again with the same tables (the
-- usual server loop) gets a cached poller: from the third call with a set
-- of at least 64 unchanged entries, the objects are registered with an
-- lsock poller (epoll) once, and each call only checks in C that the
-- tables still hold the same objects and sockets (and which are dirty)
-- before it waits.  A change in the tables drops the poller.
-- @usage local r, w, err = require("lsock.compat").select({c}, nil, 1)
-- @module lsock.compat_select
local core = require "lsock.core"
local selscan = core._stream.selscan
local find = string.find

local M = {}

local CACHE_MIN = 64     -- entries below which poll(2) each call is as cheap
local CACHE_AFTER = 2    -- unchanged calls before a poller is built

--- The select function for compat table `compat`, waiting with `sel`.
-- @tparam table compat the compat module (its `_classes` and `_SOCK`)
-- @tparam function sel lsock.select
-- @treturn function select(recvt, sendt, timeout) with LuaSocket's results
-- @usage compat.select = require("lsock.compat_select").new(compat, lsock.select)
function M.new(compat, sel)
  -- Whether o is a compat object (its metatable one of compat's classes),
  -- and the index of an object's lsock socket.
  local mts
  local function iscompat(o)
    if not mts then
      mts = {}
      for _, mt in pairs(compat._classes) do mts[mt] = true end
    end
    return mts[getmetatable(o)] ~= nil
  end
  local SOCK = compat._SOCK

  -- Adds to `list` what lsock.select takes for each entry of `t`.
  local function gather(t, list, back, ready)
    if type(t) ~= "table" then return end
    for _, o in ipairs(t) do
      local key
      if type(o) == "table" then
        local own = iscompat(o)
        local s = own and rawget(o, SOCK)
        if s then key = s
        elseif not own and o.getfd then
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

  -- The objects of t with their sockets, as selscan checks them: nil when
  -- an entry is not a compat object (those are asked getfd every call).
  local function snapshot(t)
    local snap = {}
    if type(t) ~= "table" then return snap end
    for i = 1, #t do
      local o = t[i]
      if type(o) ~= "table" or not iscompat(o) then return nil end
      snap[2 * i - 1] = o
      snap[2 * i] = rawget(o, SOCK) or false
    end
    return snap
  end

  -- A poller with the sockets of entry e (nil if one cannot be added).
  local function build(e)
    local p = core.poller()
    if not p then return nil end
    local want, obj = {}, {}
    e.rin, e.win = {}, {}
    for i = 2, #e.rsnap, 2 do
      local s = e.rsnap[i]
      if s and s:fileno() >= 0 then
        want[s], obj[s] = "r", e.rsnap[i - 1]
        e.rin[obj[s]] = true
      end
    end
    for i = 2, #e.wsnap, 2 do
      local s = e.wsnap[i]
      if s and s:fileno() >= 0 then
        want[s] = want[s] == "r" and "rw" or "w"
        obj[s] = e.wsnap[i - 1]
        e.win[obj[s]] = true
      end
    end
    for s, w in pairs(want) do
      if not p:add(s, w, obj[s]) then p:close(); return nil end
    end
    return p
  end

  local cache = setmetatable({}, { __mode = "k" })  -- recvt -> entry

  local function empty(t) return type(t) ~= "table" or t[1] == nil end

  -- The cached entry for recvt, sendt if they still hold what it holds
  -- (the dirty readers added to rout), else a new snapshot of them.
  local function lookup(recvt, sendt, rout)
    local e = cache[recvt]
    if e and (e.sendt == sendt or (empty(sendt) and empty(e.sendt)))
        and selscan(recvt, e.rsnap, rout)
        and (empty(sendt) and #e.wsnap == 0 or selscan(sendt, e.wsnap, {})) then
      e.hits = e.hits + 1
      return e
    end
    for k in pairs(rout) do rout[k] = nil end
    if e and e.poller then e.poller:close() end
    cache[recvt] = nil
    local n = #recvt + (type(sendt) == "table" and #sendt or 0)
    if n < CACHE_MIN then return nil end
    local rsnap, wsnap = snapshot(recvt), snapshot(sendt)
    if rsnap and wsnap then
      cache[recvt] = { sendt = sendt, rsnap = rsnap, wsnap = wsnap, hits = 0 }
    end
  end

  -- Waits on the cached poller of e; LuaSocket's results.
  local function cached(e, rout, timeout)
    local wout = {}
    local it, st = e.poller:wait(#rout > 0 and 0 or timeout)
    if not it then return rout, wout, st end
    local rin, win = e.rin, e.win
    for _, ev, o in it, st do
      if rin[o] and not rout[o] and find(ev, "[rh]") then
        rout[#rout + 1] = o; rout[o] = #rout
      end
      if win[o] and find(ev, "[wh]") then
        wout[#wout + 1] = o; wout[o] = #wout
      end
    end
    if #rout == 0 and #wout == 0 then return rout, wout, "timeout" end
    return rout, wout
  end

  -- The select function: ready readers, ready writers (arrays, and each
  -- object a key giving its index), and `"timeout"` when none is.
  return function(recvt, sendt, timeout)
    if recvt ~= nil and type(recvt) ~= "table" then
      error(("bad argument #1 to 'select' (table expected, got %s)")
        :format(type(recvt)), 2)
    end
    if sendt ~= nil and type(sendt) ~= "table" then
      error(("bad argument #2 to 'select' (table expected, got %s)")
        :format(type(sendt)), 2)
    end
    timeout = tonumber(timeout)
    if timeout and timeout < 0 then timeout = nil end
    if type(recvt) == "table" then
      local rout = {}
      local e = lookup(recvt, sendt, rout)
      if e and e.hits >= CACHE_AFTER then
        if e.poller == nil then e.poller = build(e) or false end
        if e.poller then return cached(e, rout, timeout) end
      end
    end
    local rl, wl, rback, wback = {}, {}, {}, {}
    local rout, wout = {}, {}
    gather(recvt, rl, rback, rout)
    gather(sendt, wl, wback)
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
