-- examples/netstat.lua sees the sockets this process opens, in the states
-- the course shows: LISTEN, ESTABLISHED, TIME_WAIT, with their owner.
local helper = require "helper"
local lsock = helper.lsock

local function mypid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("l"):match("^(%d+)")
  f:close()
  return pid
end

local function netstat(...)
  local p = helper.example("netstat.lua", { ... })
  local out, code = p:finish()
  local err = p:stderr()
  p:cleanup()
  assert.equal(0, code, err)
  return out
end

-- The line whose local and foreign addresses are these, split in fields.
local function find(out, proto, laddr, raddr)
  for line in out:gmatch("[^\n]+") do
    local f = {}
    for w in line:gmatch("%S+") do f[#f + 1] = w end
    if f[1] == proto and f[4] == laddr and f[5] == raddr then return f end
  end
end

describe("examples/netstat.lua", function()
  it("prints its usage on -h and on bad arguments", function()
    assert.truthy(netstat("-h"):find("^usage: netstat%.lua"))
    local p = helper.example("netstat.lua", { "-z" })
    local out, code = p:finish()
    p:cleanup()
    assert.equal(2, code)
    assert.equal("", out)
  end)

  for _, case in ipairs { { "inet", "127.0.0.1", "tcp", "127.0.0.1" },
                          { "inet6", "::1", "tcp6", "[::1]" } } do
    local family, host, proto, shown = table.unpack(case)
    it("shows a " .. proto .. " listener, both ends of a connection, then TIME_WAIT", function()
      local srv <close> = assert(lsock.socket(family, "stream"))
      assert(srv:bind(host, 0))
      assert(srv:listen())
      srv:settimeout(5)
      local cli = assert(lsock.socket(family, "stream"))
      cli:settimeout(5)
      assert(cli:connect(srv:getsockname()))
      local conn = assert(srv:accept())
      finally(function() cli:close(); conn:close() end)
      local sp = shown .. ":" .. srv:getsockname().port
      local cp = shown .. ":" .. cli:getsockname().port
      local me = mypid() .. "/"

      local out = netstat("-t")
      local l = find(out, proto, sp, shown:gsub("[%d.:]+", function(h)
        return h == "127.0.0.1" and "0.0.0.0" or "::" end) .. ":*")
      assert.truthy(l, "no LISTEN line for " .. sp .. " in:\n" .. out)
      assert.equal("LISTEN", l[6])
      assert.equal(me, l[7]:sub(1, #me))
      local a, b = find(out, proto, cp, sp), find(out, proto, sp, cp)
      assert.truthy(a and b, out)
      assert.equal("ESTABLISHED", a[6])
      assert.equal("ESTABLISHED", b[6])
      assert.equal(me, a[7]:sub(1, #me))

      -- The side that closes first waits in TIME_WAIT, owned by nobody.
      cli:close()
      assert.equal("", conn:recv(10))
      conn:close()
      local t
      for _ = 1, 50 do
        t = find(netstat("-t"), proto, cp, sp)
        if t and t[6] == "TIME_WAIT" then break end
        helper.sleep(0.05)
      end
      assert.same({ "TIME_WAIT", "-" }, { t and t[6], t and t[7] })
      local ls = netstat("-t", "-l")
      assert.truthy(ls:find(sp, 1, true))
      assert.falsy(ls:find(cp, 1, true))
    end)
  end

  it("shows a bound UDP socket and a listening unix socket with its path", function()
    local u <close> = assert(lsock.socket("inet", "dgram"))
    assert(u:bind("127.0.0.1", 0))
    local path = helper.tmppath(".sock")
    local x <close> = assert(lsock.socket("unix", "stream"))
    finally(function() os.remove(path) end)
    assert(x:bind(path))
    assert(x:listen())
    local udp = find(netstat("-u"), "udp", "127.0.0.1:" .. u:getsockname().port, "0.0.0.0:*")
    assert.truthy(udp)
    assert.equal(mypid() .. "/", udp[6]:sub(1, #mypid() + 1))
    local unix = netstat("-x", "-l")
    local line = unix:match("[^\n]*" .. path:gsub("%p", "%%%0") .. "[^\n]*")
    assert.truthy(line, unix)
    assert.truthy(line:find("LISTENING", 1, true))
    assert.truthy(line:find("STREAM", 1, true))
  end)

  it("asks sock_diag with -k and agrees with its /proc mode", function()
    local srv <close> = assert(lsock.socket("inet", "stream"))
    assert(srv:bind("127.0.0.1", 0))
    assert(srv:listen())
    srv:settimeout(5)
    local cli <close> = assert(lsock.socket("inet", "stream"))
    cli:settimeout(5)
    assert(cli:connect(srv:getsockname()))
    local conn <close> = assert(srv:accept())
    assert.is_true(conn:getpeername() == cli:getsockname())
    local u <close> = assert(lsock.socket("inet", "dgram"))
    assert(u:bind("127.0.0.1", 0))
    local sp = "127.0.0.1:" .. srv:getsockname().port
    local cp = "127.0.0.1:" .. cli:getsockname().port
    local up = "127.0.0.1:" .. u:getsockname().port
    local me = mypid() .. "/"
    local proc, diag = netstat("-t", "-u"), netstat("-t", "-u", "-k")
    for _, want in ipairs { { "tcp", sp, "0.0.0.0:*", "LISTEN" },
                            { "tcp", cp, sp, "ESTABLISHED" },
                            { "tcp", sp, cp, "ESTABLISHED" },
                            { "udp", up, "0.0.0.0:*", me } } do
      local a, b = find(proc, table.unpack(want, 1, 3)), find(diag, table.unpack(want, 1, 3))
      assert.truthy(a, proc)
      assert.truthy(b, "no " .. table.concat(want, " ") .. " in:\n" .. diag)
      assert.equal(want[4], b[6]:sub(1, #want[4]))
      assert.same({ a[6], a[7] }, { b[6], b[7] })
    end
  end)
end)
