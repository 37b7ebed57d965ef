--- lsock.compat_try: LuaSocket's `newtry` and `protect` — errors raised by
-- a try function are wrapped so that `protect` tells them from others,
-- which it raises again.
-- @module lsock.compat_try
local TRY = { __name = "try error", __tostring = function(e) return tostring(e[1]) end }

--- Adds `newtry`, `protect` and `try` to the compat table `M`.
-- @usage require("lsock.compat_try")(compat)
return function(M)
  --- A try function: returns its arguments when the first is true, else
  -- calls `finalizer` and raises the second as a try error.
  -- @usage local try = compat.newtry(function() sock:close() end)
  function M.newtry(finalizer)
    return function(...)
      local ok = ...
      if ok then return ... end
      if finalizer then pcall(finalizer) end
      error(setmetatable({ (select(2, ...)) }, TRY), 0)
    end
  end

  --- Wraps `fn` so try errors come back as `nil, err`; other errors are
  -- raised again.
  -- @usage local get = compat.protect(function(url) return try(fetch(url)) end)
  function M.protect(fn)
    return function(...)
      local r = table.pack(pcall(fn, ...))
      if r[1] then return table.unpack(r, 2, r.n) end
      local e = r[2]
      if getmetatable(e) == TRY then return nil, e[1] end
      error(e, 0)
    end
  end

  M.try = M.newtry()
end
