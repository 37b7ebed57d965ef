--- lsock.help: the reference at the REPL.  `lsock.help(obj or name)` prints
-- the signature and one-line summary of a function or method, read from
-- `lsock.docindex`, the table tools/docindex.lua generates from the same
-- LDoc comments the HTML reference comes from.
-- @usage lsock.help("tcp"); lsock.help("socket:bind"); lsock.help(sock)
-- @module lsock.help
local lsock = require "lsock"
local index = require "lsock.docindex"

local M = {}

-- Objects whose methods are internal, not part of the API.
local internal = { streambuf = true, lookup = true }

local function sorted(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

--- Every public function and method, by the name the reference uses:
-- `"lsock.socket"`, `"lsock.tcp.connect"`, `"socket:bind"`,
-- `"stream:read"`.  The doc-coverage spec checks each has an entry.
-- @treturn table name -> the function
-- @usage for name in pairs(lsock.help.public()) do print(name) end
function M.public()
  local names = {}
  for k, v in pairs(lsock) do
    if type(v) == "function" and k:sub(1, 1) ~= "_" then names["lsock." .. k] = v end
  end
  for _, mod in ipairs { "tcp", "udp", "unix", "stream", "multicast", "server", "loop", "help",
      "compat", "compat_dns", "compat_opts", "compat_select", "netlink", "tls" } do
    local ok, m = pcall(require, "lsock." .. mod)
    if ok and type(m) == "table" then
      for k, v in pairs(m) do
        if type(v) == "function" then names["lsock." .. mod .. "." .. k] = v end
      end
    end
  end
  -- Objects made in C register their metatable as "lsock.<type>".
  for k, mt in pairs(debug.getregistry()) do
    local tname = type(k) == "string" and k:match("^lsock%.(.+)$")
    if tname and not internal[tname] and type(mt) == "table" and type(mt.__index) == "table" then
      for m, f in pairs(mt.__index) do
        if type(f) == "function" and m:sub(1, 2) ~= "__" then names[tname .. ":" .. m] = f end
      end
    end
  end
  -- sockaddr computes its fields; its one method is unpack.
  names["sockaddr:unpack"] = lsock.addr("127.0.0.1", 0).unpack
  -- Streams are Lua objects: ask one for its metatable.
  local st = getmetatable(lsock.stream.wrap({ recv = true }))
  for m, f in pairs(st) do
    if type(f) == "function" and m:sub(1, 2) ~= "__" then names["stream:" .. m] = f end
  end
  -- Timers of lsock.loop (Lua objects too).
  local lok, loop = pcall(require, "lsock.loop")
  if lok and type(loop._timermt) == "table" then
    for m, f in pairs(loop._timermt) do
      if type(f) == "function" and m:sub(1, 2) ~= "__" then names["timer:" .. m] = f end
    end
  end
  -- Servers too (lsock.server): ask a throw-away one on loopback.
  local ok, server = pcall(require, "lsock.server")
  local srv = ok and server.tcp { host = "127.0.0.1", port = 0, handler = function() end }
  if srv then
    for m, f in pairs(getmetatable(srv)) do
      if type(f) == "function" and m:sub(1, 2) ~= "__" then names["server:" .. m] = f end
    end
    srv:close()
  end
  return names
end

local listing

-- One entry in full: signature, summary, each argument (for an opts
-- table, its keys), returns, see, example; a module or an object type
-- adds the list of its functions or methods.
local function entry(name)
  local e = index[name]
  if not e then return nil end
  local s = e[1] .. "\n  " .. e[2]
  if e.params ~= "" then
    s = s .. "\n  arguments:\n    " .. e.params:gsub("\n", "\n    ")
  end
  if e.returns ~= "" then s = s .. "\n  returns: " .. e.returns end
  if e.see ~= "" then s = s .. "\n  see: " .. e.see end
  if e.usage ~= "" then s = s .. "\n  example:\n    " .. e.usage:gsub("\n", "\n    ") end
  if e.kind == "module" and name ~= "lsock" then
    s = s .. "\n" .. listing(name .. ".", name .. ":")
    -- lsock.stream and lsock.server make objects of the same name.
    local obj = name:match("^lsock%.(.+)$")
    if obj and next(M.names(obj .. ":")) then
      s = s .. "\n" .. listing(obj .. ":", obj .. " methods:")
    end
  elseif e.kind == "type" then
    s = s .. "\n" .. listing(name .. ":", name .. " methods:")
  end
  return s
end

--- The names of the index that start with `prefix` (all with none).
-- @tparam[opt] string prefix `"socket:"`, `"lsock.tcp."`...
-- @treturn table name -> the index entry {signature, summary, kind=,
-- params=, returns=, see=, usage=}
-- @usage for n in pairs(lsock.help.names("stream:")) do print(n) end
function M.names(prefix)
  prefix = prefix or ""
  local out = {}
  for n, e in pairs(index) do
    if n:sub(1, #prefix) == prefix then out[n] = e end
  end
  return out
end

-- Names of the entries whose last component is `word` ("bind" ->
-- "socket:bind"; "tcp.connect" -> "lsock.tcp.connect").
local function lookup(word)
  if index[word] then return { word } end
  -- "tcp", "errno": the module or table lsock.tcp, lsock.errno, before
  -- any function of that name (server.tcp).
  local full = index["lsock." .. word]
  if full and full.kind ~= "function" then return { "lsock." .. word } end
  local found = {}
  for _, n in ipairs(sorted(index)) do
    if n == "lsock." .. word or n:sub(-#word - 1) == ":" .. word
        or n:sub(-#word - 1) == "." .. word then
      found[#found + 1] = n
    end
  end
  return found
end

function listing(prefix, title)
  local out = { title }
  for _, n in ipairs(sorted(index)) do
    if n:sub(1, #prefix) == prefix and not n:find("[.:]", #prefix + 1) then
      out[#out + 1] = string.format("  %-40s %s", index[n][1], index[n][2])
    end
  end
  return table.concat(out, "\n")
end

--- The help text for `x`: a function, an object, a module table or a name.
-- @param x a function (`s.bind`), an object (a socket, a stream, a
-- sockaddr), a module (`lsock.tcp`), a name (`"bind"`, `"socket:bind"`,
-- `"lsock.tcp.connect"`), or nil for the list of modules
-- @treturn string
-- @usage local t = lsock.help.text("bind")
function M.text(x)
  local tx = type(x)
  if x == nil then
    return "lsock " .. tostring(lsock._VERSION) .. ": try lsock.help(name), lsock.help(sock),"
      .. "\nlsock.help(lsock.tcp); names like \"bind\", \"socket:bind\", \"tcp.connect\".\n"
      .. listing("lsock.", "lsock:")
  elseif tx == "function" then
    for n, f in pairs(M.public()) do
      if f == x and index[n] then return entry(n) end
    end
    return "no help for this function (not part of lsock)"
  elseif tx == "string" then
    local found = lookup(x)
    if #found == 0 then return "no help for " .. string.format("%q", x) end
    local out = {}
    for _, n in ipairs(found) do out[#out + 1] = entry(n) end
    return table.concat(out, "\n")
  end
  if tx == "table" then
    for n, m in pairs(package.loaded) do
      if m == x and type(n) == "string" and n:match("^lsock") then
        if n == "lsock" then return M.text(nil) end
        return entry(n) or listing(n .. ".", n .. ":")
      end
    end
  end
  local mt = getmetatable(x)
  local tname = type(mt) == "table" and type(mt.__name) == "string"
    and mt.__name:match("^lsock%.(.+)$")
  if tname then
    return tostring(x) .. "\n" .. listing(tname .. ":", tname .. " methods:")
  end
  return "no help for a " .. tx
end

--- Print the help for `x` (see `text`).
-- @param x a function, an object, a module table or a name
-- @treturn nil (the text goes to stdout)
-- @usage lsock.help("recvfrom"); lsock.help(sock); lsock.help(sock.bind)
function M.help(x)
  print(M.text(x))
end

return setmetatable(M, {
  __call = function(_, x) return M.help(x) end,
  __tostring = function() return "lsock.help: call lsock.help(name or object)" end,
})
