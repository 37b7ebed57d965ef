-- The guides show the example programs verbatim: each block between
--   <!-- include: examples/NAME.lua -->  and  <!-- end include -->
-- is replaced by the file as it is today, in a ```lua fence, so the copy
-- in the guide cannot drift from the program the specs run.
--   lua5.4 tools/guide.lua doc/guide.md doc/guide.fr.md     (make guide)
-- As a module (dofile) it returns {render = fn(text) -> text, files}.
local M = {}

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a"); f:close(); return s
end

-- The text with every include block refreshed, and the included paths.
function M.render(text)
  local files = {}
  local out = text:gsub("(<!%-%- include: ([%w_./%-]+) %-%->\n).-(<!%-%- end include %-%->)",
    function(open, path, close)
      files[#files + 1] = path
      local body = readfile(path)
      if body:sub(-1) ~= "\n" then body = body .. "\n" end
      return open .. "```lua\n" .. body .. "```\n" .. close
    end)
  return out, files
end

if arg and arg[0] and arg[0]:match("guide%.lua$") then
  if #arg == 0 then
    io.stderr:write("usage: lua5.4 tools/guide.lua GUIDE.md...\n")
    os.exit(2)
  end
  for _, path in ipairs(arg) do
    local text = readfile(path)
    local new = M.render(text)
    if new ~= text then
      local f = assert(io.open(path, "wb"))
      f:write(new); f:close()
      print("updated " .. path)
    end
  end
end

return M
