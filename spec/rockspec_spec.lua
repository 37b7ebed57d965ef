-- The rockspecs are how users without our Makefile install lsock
-- (`luarocks make`, offline): lsock-scm-1 (lsock.core and the Lua
-- modules) and lsock-tls-scm-1 (tls.so, which needs OpenSSL's headers)
-- must name every C file and Lua module, and the tree they install must
-- work on its own.  Only a socketpair is
-- used: nothing touches the network.
local helper = require "helper"

local ROCKSPEC = "lsock-scm-1.rockspec"
local TLS_ROCKSPEC = "lsock-tls-scm-1.rockspec"   -- tls.so, which needs OpenSSL

local function listed()
  local f = assert(io.open(ROCKSPEC))
  local text = f:read("a")
  f:close()
  local names = {}
  for path in text:gmatch('"(csrc/[%w_]+%.c)"') do names[path] = true end
  for path in text:gmatch('"(lua/lsock/[%w_]+%.lua)"') do names[path] = true end
  f = assert(io.open(TLS_ROCKSPEC))
  for path in f:read("a"):gmatch('"(csrc/tls/[%w_]+%.c)"') do names[path] = true end
  f:close()
  return names
end

describe("the rockspec", function()
  it("names every C file and every Lua module of the tree", function()
    local names, missing = listed(), {}
    for _, pattern in ipairs { "csrc/*.c", "csrc/tls/*.c", "lua/lsock/*.lua" } do
      for path in helper.output("ls " .. pattern):gmatch("%S+") do
        if not names[path] then missing[#missing + 1] = path end
      end
    end
    assert.same({}, missing)
  end)

  it("installs offline with luarocks make (lsock, then lsock-tls), into a tree that works alone",
     function()
    local tree = os.tmpname()
    os.remove(tree)
    finally(function() helper.sh("rm -rf " .. helper.quote(tree)) end)
    local out = helper.output(("timeout 300 luarocks --lua-version 5.4 make --tree %s "
      .. "--deps-mode none %s 2>&1; echo rc=$?"):format(helper.quote(tree), ROCKSPEC))
    assert.truthy(out:find("rc=0", 1, true), out)
    out = helper.output(("timeout 300 luarocks --lua-version 5.4 make --tree %s "
      .. "--deps-mode none %s 2>&1; echo rc=$?"):format(helper.quote(tree), TLS_ROCKSPEC))
    assert.truthy(out:find("rc=0", 1, true), out)
    -- Only the installed tree on the paths (no ";;"): no ./lua, no ./build.
    local code = [[
      local lsock = require "lsock"
      local loop = require "lsock.loop"
      local a, b = lsock.socketpair("unix", "stream")
      assert(a:send("ping") == 4)
      local tls = require "lsock.tls"
      assert(tls.context{})
      io.write(b:recv(4), " ", type(loop.run), " ", package.searchpath("lsock.core", package.cpath))
    ]]
    local run = ("LUA_PATH=%s LUA_CPATH=%s "
      .. "timeout 30 lua5.4 -e %s 2>&1"):format(
      helper.quote(tree .. "/share/lua/5.4/?.lua;" .. tree .. "/share/lua/5.4/?/init.lua"),
      helper.quote(tree .. "/lib/lua/5.4/?.so"), helper.quote(code))
    local got = helper.output(run)
    assert.equal("ping function " .. tree .. "/lib/lua/5.4/lsock/core.so", got)
  end)
end)
