-- The reference's one source: the LDoc comments in csrc/*.c and
-- lua/lsock/*.lua.  This reads them (no ldoc needed) and writes either
-- lua/lsock/docindex.lua, the table lsock.help and the doc-coverage spec
-- use, or one merged C file that ldoc turns into doc/html/ (ldoc cannot
-- merge several C files into one module tidily).
--   lua5.4 tools/docindex.lua index > lua/lsock/docindex.lua
--   lua5.4 tools/docindex.lua ldoc build/doc/lsock.c
-- As a module (dofile) it returns {parse = ..., index = ..., render = ...}.
local M = {}

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- One comment block -> entry {name, summary, text, params, returns, see,
-- usage}; nil for blocks that only declare a module or a type.
local function entry(lines, name)
  local e = { params = {}, returns = {}, see = {}, text = {}, tags = {} }
  local cur
  for _, l in ipairs(lines) do
    local tag, mod, rest = l:match("^%s*@([%w_]+)(%b[])%s*(.*)$")
    if not tag then tag, rest = l:match("^%s*@([%w_]+)%s*(.*)$"); mod = "" end
    if tag then
      cur = { tag = tag, mod = mod:sub(2, -2), text = rest }
      e.tags[#e.tags + 1] = cur
    elseif cur then
      cur.text = cur.text .. "\n" .. l
    else
      e.text[#e.text + 1] = l
    end
  end
  for _, t in ipairs(e.tags) do
    local tx = trim(t.text)
    if t.tag == "submodule" or t.tag == "section" or t.tag == "classmod" then
      return nil
    elseif t.tag == "module" or t.tag == "type" or t.tag == "table" then
      -- A module, an object type or a table of values: an entry of its
      -- own kind, so that help("lsock.tcp"), help("sockaddr") and
      -- help("errno") answer.
      name, e.kind = tx:match("^(%S+)") or tx, t.tag
    elseif t.tag == "function" then name = tx
    elseif t.tag == "tparam" or t.tag == "param" then
      local ty, pname, desc
      if t.tag == "tparam" then ty, pname, desc = tx:match("^(%S+)%s+(%S+)%s*(.*)$")
      else pname, desc = tx:match("^(%S+)%s*(.*)$") end
      e.params[#e.params + 1] = { name = pname or tx, type = ty, desc = desc or "",
        opt = t.mod ~= nil and t.mod:match("opt") ~= nil }
    elseif t.tag == "treturn" or t.tag == "return" then
      e.returns[#e.returns + 1] = { text = tx, alt = t.mod ~= "" and t.mod or nil }
    elseif t.tag == "see" then e.see[#e.see + 1] = tx
    elseif t.tag == "usage" then e.usage = t.text:gsub("^\n", "")
    end
  end
  if not name then return nil end
  e.name = name
  e.kind = e.kind or "function"
  local body = trim(table.concat(e.text, "\n"))
  e.summary = trim((body:match("^(.-%.)%s") or body:match("^(.-%.)$") or body):gsub("%s+", " "))
  e.body = body
  return e
end

-- The call as a user writes it: "socket:bind(addr [, port])".
function M.signature(e)
  if e.kind == "module" then return "module " .. e.name end
  if e.kind == "type" then return "object " .. e.name end
  if e.kind == "table" then return "table " .. e.name end
  local out, opt = {}, 0
  for i, p in ipairs(e.params) do
    local sep = i > 1 and ", " or ""
    if p.opt then out[#out + 1] = " [" .. sep .. p.name; opt = opt + 1
    else out[#out + 1] = sep .. p.name end
  end
  return e.name .. "(" .. trim(table.concat(out) .. string.rep("]", opt)) .. ")"
end

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a"); f:close(); return s
end

-- C: /*** ... */ blocks, each naming itself with @function.  Module
-- functions are written "socket", methods "socket:bind"; the index says
-- "lsock.socket" and "socket:bind".
local function parse_c(path, out)
  local src = readfile(path)
  for block in src:gmatch("/%*%*%*(.-)%*/") do
    local lines = {}
    for l in (block .. "\n"):gmatch("(.-)\n") do
      lines[#lines + 1] = (l:gsub("^%s*%*?%s?", "", 1))
    end
    local e = entry(lines)
    if e then
      if e.kind ~= "type" and not e.name:find("[:.]") then e.name = "lsock." .. e.name end
      e.file = path; out[#out + 1] = e
    end
  end
end

-- Lua: "---" blocks; the name comes from @function or the next line:
-- `function M.connect(` in module lsock.tcp is lsock.tcp.connect,
-- `function Stream:lines(` is stream:lines.
local function parse_lua(path, out)
  local modname, lines, inblock = nil, nil, false
  local function finish(code)
    local name, args
    if code then
      local tbl, sep, fn, a = code:match("^%s*function%s+([%w_]+)([.:])([%w_]+)%s*(%b())")
      if tbl == "M" and modname then name = modname .. "." .. fn
      elseif tbl then name = tbl:lower() .. sep .. fn end
      -- The arguments the code takes, for the spec to hold the @tparam
      -- list to (an entry without them shows "f()" for "f(a, b)").
      if a then
        args = {}
        for n in a:sub(2, -2):gmatch("[%w_%.]+") do args[#args + 1] = n end
      end
    end
    local e = entry(lines, name)
    if e then
      if e.kind == "function" and e.name:match("^[%w_]+$") and modname then
        e.name = modname .. "." .. e.name
      end
      e.args = args
      e.file = path; out[#out + 1] = e
    end
    lines, inblock = nil, false
  end
  for l in (readfile(path) .. "\n"):gmatch("(.-)\n") do
    local m = l:match("^%s*%-%- @module%s+(%S+)") or l:match("^%-%-%-.*@module%s+(%S+)")
    if m then modname = m end
    if l:match("^%s*%-%-%-") and not inblock then
      lines, inblock = { (l:gsub("^%s*%-%-%-%s?", "")) }, true
    elseif inblock and l:match("^%s*%-%-") then
      lines[#lines + 1] = l:gsub("^%s*%-%-%s?", "")
    elseif inblock then
      finish(l)
    end
  end
  if inblock then finish(nil) end
end

-- Every entry of csrc/*.c, csrc/tls/*.c and lua/lsock/*.lua, in file order.
function M.parse(root)
  root = root or "."
  local out = {}
  local p = io.popen("ls " .. root .. "/csrc/*.c " .. root .. "/csrc/tls/*.c "
                     .. root .. "/lua/lsock/*.lua")
  for path in p:lines() do
    if path:match("%.c$") then parse_c(path, out)
    elseif not path:match("docindex%.lua$") then parse_lua(path, out) end
  end
  p:close()
  return out
end

local function returns_text(e)
  local t = {}
  for i, r in ipairs(e.returns) do
    local prev = e.returns[i - 1]
    local sep = i == 1 and "" or (r.alt and r.alt ~= prev.alt) and "; or "
      or (not r.alt and not prev.alt and r.text:find("^nil")) and "; or " or ", "
    t[#t + 1] = sep .. r.text:gsub("%s+", " ")
  end
  return table.concat(t)
end

-- lua/lsock/docindex.lua: name -> {signature, summary, returns, see}.
function M.index(entries)
  local names, byname = {}, {}
  for _, e in ipairs(entries) do
    if not byname[e.name] then names[#names + 1] = e.name end
    byname[e.name] = e
  end
  table.sort(names)
  local out = { "-- Generated by tools/docindex.lua from the LDoc comments in csrc/ and",
    "-- lua/ (make doc-index): do not edit.  lsock.help reads it.",
    "-- luacheck: no max line length", "return {" }
  for _, n in ipairs(names) do
    local e = byname[n]
    local params = {}
    for _, p in ipairs(e.params) do
      params[#params + 1] = p.name .. ": " .. trim(((p.type and p.type .. " " or "")
        .. (p.opt and "optional; " or "") .. p.desc):gsub("%s+", " "))
    end
    out[#out + 1] = string.format(
      "  [%q] = { %q, %q, kind = %q, params = %q, returns = %q, see = %q, usage = %q },",
      n, M.signature(e), e.summary, e.kind, table.concat(params, "\n"), returns_text(e),
      table.concat(e.see, ", "), trim(e.usage or ""))
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

-- One C file of LDoc comments grouped by object, for ldoc.
function M.render(entries, intro)
  local groups, order = {}, { "lsock", "socket", "sockaddr", "poller", "signalfd" }
  local typetext = {}
  for _, e in ipairs(entries) do
    if e.kind == "type" then typetext[e.name] = e.body
    elseif e.file:match("%.c$") then
      local g = e.name:match("^lsock%.") and "lsock" or e.name:match("^([%w_]+):") or "lsock"
      groups[g] = groups[g] or {}
      table.insert(groups[g], e)
      local known = false
      for _, o in ipairs(order) do known = known or o == g end
      if not known then order[#order + 1] = g end
    end
  end
  local out = { "/***", intro, "@module lsock", "*/" }
  for _, g in ipairs(order) do
    if groups[g] then
      if g ~= "lsock" then
        local gintro = typetext[g] or ("The " .. g .. " object.")
        out[#out + 1] = "/*** " .. gintro .. "\n@type " .. g .. " */"
      end
      for _, e in ipairs(groups[g]) do
        local name = e.name:gsub("^lsock%.", "")
        local body = {}
        for _, t in ipairs(e.tags) do
          if t.tag ~= "function" and t.tag ~= "table" then
            local mod = t.mod ~= "" and ("[" .. t.mod .. "]") or ""
            body[#body + 1] = "@" .. t.tag .. mod .. " " .. t.text
          end
        end
        out[#out + 1] = "/*** " .. e.body .. "\n@" .. e.kind .. " " .. name .. "\n"
          .. table.concat(body, "\n") .. "\n*/\n"
      end
    end
  end
  return table.concat(out, "\n") .. "\n"
end

if arg and arg[0] and arg[0]:match("docindex%.lua$") then
  local entries = M.parse(".")
  if arg[1] == "index" then
    io.write(M.index(entries))
  elseif arg[1] == "ldoc" then
    local init = readfile("lua/lsock/init.lua"):match("^%-%-%-%s*(.-)\n%-%- @module")
    init = (init or "lsock"):gsub("\n%-%- ?", "\n")
    local f = assert(io.open(arg[2], "w"))
    f:write(M.render(entries, init)); f:close()
  else
    io.stderr:write("usage: lua5.4 tools/docindex.lua index | ldoc FILE\n")
    os.exit(2)
  end
end

return M
