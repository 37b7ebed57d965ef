-- The advanced I/O examples, run as a user would run them.
local lsock = require "lsock"
local S = require "spec.support_advio"

-- Start an example in the background; returns the pipe and its first line.
local function start(cmd)
  local p = io.popen(S.luacmd("examples/" .. cmd) .. " 2>&1")
  return p, p:read("l")
end

describe("examples/ping.lua", function()
  it("pings 127.0.0.1 by default over a raw socket (root)", function()
    local ok, out = S.example("ping.lua", "", 20)
    assert.is_true(ok, out)
    assert.matches("PING 127.0.0.1 %(127.0.0.1%): 56 data bytes\n", out)
    assert.matches("64 bytes from 127.0.0.1: icmp_seq=4 ttl=64 time=[%d.]+ ms", out)
    assert.matches("4 packets transmitted, 4 received", out)
  end)

  it("pings ::1 with ICMPv6", function()
    local ok, out = S.example("ping.lua", "::1 2", 20)
    assert.is_true(ok, out)
    assert.matches("64 bytes from ::1: icmp_seq=2 ttl=64", out)
  end)
end)

describe("examples/fdpass.lua", function()
  local function run(flag)
    local p, first = start("fdpass.lua 0 2 " .. flag)
    local open = true
    finally(function() if open then p:close() end end)
    local parent, port = first:match("^parent (%d+) listening on 127.0.0.1:(%d+)$")
    assert.is_not_nil(port, first)
    local children = {}
    for i = 1, 2 do
      local c = assert(lsock.socket("inet", "stream"))
      c:settimeout(10)
      assert(c:connect("127.0.0.1", tonumber(port)))
      c:send("hello " .. i)
      local reply = assert(c:recv(100))
      c:close()
      local child, what = reply:match("^child (%d+) served: (.*)$")
      assert.equal("hello " .. i, what)
      assert.are_not.equal(parent, child)
      children[#children + 1] = child
    end
    assert.equal(children[1], children[2])
    local rest = p:read("a")
    assert.matches("handed 127.0.0.1:%d+ to the child\nhanded", rest)
    open = false
    assert.is_true(p:close())
  end

  it("serves each accepted connection from the child process", function()
    run("")  -- fork and a socketpair where lsock.fork exists
  end)

  it("does the same for a child it did not fork (--spawn)", function()
    run("--spawn")
  end)
end)

describe("examples/udp_pktinfo.lua", function()
  local function run(args, dsts)
    local p, first = start("udp_pktinfo.lua 0 " .. #dsts .. " " .. args)
    local open = true
    finally(function() if open then p:close() end end)
    local port = tonumber(first:match(":(%d+)$"))
    assert.is_not_nil(port, first)
    for _, dst in ipairs(dsts) do
      -- a connected client takes replies only from the address it called
      local c = assert(lsock.socket(dst:find(":") and "inet6" or "inet", "dgram"))
      c:settimeout(10)
      assert(c:connect(dst, port))
      c:send("knock")
      assert.equal(dst .. " heard: knock", c:recv(100))
      c:close()
    end
    local rest = p:read("a")
    open = false
    assert.is_true(p:close(), rest)
  end

  it("replies from 127.0.0.2 and 127.0.0.1 as addressed", function()
    run("", {"127.0.0.2", "127.0.0.1", "127.0.0.2"})
  end)

  it("does the same over IPv6 with -6", function()
    run("-6", {"::1"})
  end)
end)
