-- The reference cannot fall behind the code: every public function and
-- method has an LDoc entry, the committed index (lua/lsock/docindex.lua)
-- is what the comments give today, and lsock.help answers from it.
local helper = require "helper"
local lsock = helper.lsock
local docindex = dofile("tools/docindex.lua")

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a"); f:close(); return s
end

describe("the reference", function()
  local entries = docindex.parse(".")
  local byname = {}
  for _, e in ipairs(entries) do byname[e.name] = e end
  local public = lsock.help.public()

  it("walks every object kind: the walk itself is complete", function()
    for _, n in ipairs { "lsock.socket", "lsock.getaddrinfo", "lsock.tcp.connect",
        "lsock.udp.open", "lsock.unix.listen", "lsock.stream.wrap", "lsock.multicast.join",
        "socket:bind", "socket:recvmsg", "socket:setsockopt", "sockaddr:unpack",
        "signalfd:read", "stream:read", "stream:lines", "lsock.help.help" } do
      assert.is_function(public[n], n)
    end
  end)

  it("has an entry with a summary for every public function and method", function()
    local missing = {}
    for name in pairs(public) do
      local e = byname[name]
      if not e or e.summary == "" then missing[#missing + 1] = name end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("gives every entry an example (@usage)", function()
    local bare = {}
    for _, e in ipairs(entries) do
      if not e.usage or not e.usage:find("%S") then bare[#bare + 1] = e.name end
    end
    assert.same({}, bare)
  end)

  it("has no entry for a function that does not exist", function()
    local stale = {}
    for _, e in ipairs(entries) do
      if not public[e.name] then stale[#stale + 1] = e.name end
    end
    table.sort(stale)
    assert.same({}, stale)
  end)

  it("gives every C function its returns, and system calls their failure and man page", function()
    local bad = {}
    for _, e in ipairs(entries) do
      if e.file:match("%.c$") then
        local failure, sys = false, false
        for _, r in ipairs(e.returns) do
          failure = failure or (r.alt ~= nil and r.text:find("^nil") ~= nil)
        end
        for _, s in ipairs(e.see) do sys = sys or s:find("%(%d%)$") ~= nil end
        if #e.returns == 0 or (failure and not sys) then bad[#bad + 1] = e.name end
      end
    end
    assert.same({}, bad)
  end)

  it("is committed fresh: lua/lsock/docindex.lua is regenerated from the comments", function()
    assert.equal(docindex.index(entries), readfile("lua/lsock/docindex.lua"),
      "run: make doc-index")
  end)
end)

describe("lsock.help", function()
  it("gives a method's signature and summary, by name or by the function itself", function()
    local s <close> = assert(lsock.socket("inet", "dgram"))
    local byname = lsock.help.text("bind")
    assert.truthy(byname:find("socket:bind(addr [, port])", 1, true))
    assert.truthy(byname:find("Give the socket a local address.", 1, true))
    assert.truthy(byname:find("see: bind(2)", 1, true))
    assert.equal(byname, lsock.help.text(s.bind))
    assert.equal(byname, lsock.help.text("socket:bind"))
  end)

  it("gives module functions by short or full name", function()
    local t = lsock.help.text("tcp.connect")
    assert.truthy(t:find("lsock.tcp.connect(host, port [, opts])", 1, true))
    assert.equal(t, lsock.help.text(lsock.tcp.connect))
    assert.truthy(lsock.help.text("getaddrinfo"):find("nil, gai message, EAI code", 1, true))
  end)

  it("lists an object's methods under its tostring, and a module's functions", function()
    local a, b = assert(lsock.socketpair("unix", "stream"))
    local st = lsock.stream.wrap(a)
    finally(function() st:close(); b:close() end)
    local t = lsock.help.text(b)
    assert.truthy(t:find("^lsock%.socket%(unix stream fd=%d+"))
    assert.truthy(t:find("socket:recvfrom(n [, flags])", 1, true))
    assert.truthy(lsock.help.text(st):find("stream:read(...)", 1, true))
    assert.truthy(lsock.help.text(lsock.addr("::1", 7)):find("sockaddr:unpack()", 1, true))
    assert.truthy(lsock.help.text(lsock.udp):find("lsock.udp.open([opts])", 1, true))
  end)

  it("says so when it knows nothing", function()
    assert.truthy(lsock.help.text("no_such_call"):find("no help for", 1, true))
    assert.truthy(lsock.help.text(print):find("no help", 1, true))
  end)

  it("prints at the REPL: lsock.help(name) in a fresh lua5.4", function()
    local p = helper.lua('local lsock = require "lsock"; lsock.help("recvfrom"); lsock.help()')
    finally(function() p:cleanup() end)
    local out, code = p:finish()
    assert.equal(0, code, p:stderr())
    local want = "socket:recvfrom(n [, flags])\n  Receive a datagram and its sender."
    assert.equal(want, out:sub(1, #want))
    assert.truthy(out:find("lsock.socket(family, type [, protocol])", 1, true))
  end)
end)

describe("tostring at the REPL", function()
  it("says what each object is, its descriptor and addresses, or that it is closed", function()
    local srv <close> = assert(lsock.socket("inet", "stream"))
    assert(srv:bind("127.0.0.1", 0))
    assert(srv:listen())
    local port = srv:getsockname().port
    assert.equal("lsock.socket(inet stream fd=" .. srv:fileno() .. " 127.0.0.1:" .. port .. ")",
      tostring(srv))
    local a, b = assert(lsock.socketpair("unix", "stream"))
    local st = lsock.stream.wrap(a)
    assert.truthy(tostring(st):find("^lsock%.stream %(lsock%.socket%(unix stream fd=%d+"))
    st:close(); b:close()
    assert.equal("lsock.stream (closed)", tostring(st))
    assert.equal("lsock.socket(closed)", tostring(b))
    assert.equal("[::1]:7", tostring(lsock.addr("::1", 7)))
    assert.equal("/tmp/x.sock", tostring(lsock.addr("/tmp/x.sock")))
    local sfd = assert(lsock.signalfd("SIGUSR2"))
    assert.equal("lsock.signalfd(fd=" .. sfd:fileno() .. ")", tostring(sfd))
    sfd:close()
    assert.equal("lsock.signalfd(closed)", tostring(sfd))
    assert.truthy(tostring(lsock.help):find("lsock.help", 1, true))
  end)

  it("shows a poller's backend and registrations, a server's mode and address", function()
    local p = assert(lsock.poller())
    local s <close> = assert(lsock.socket("inet", "dgram"))
    assert(p:add(s, "r"))
    assert.equal("lsock.poller(" .. p:backend() .. ", 1 registered)", tostring(p))
    p:close()
    assert.equal("lsock.poller(closed)", tostring(p))
    local srv = assert(lsock.server.tcp { host = "127.0.0.1", port = 0, handler = print })
    local where = "127.0.0.1:" .. srv.addr.port
    assert.equal("lsock.server(tcp iterative " .. where .. ")", tostring(srv))
    srv:close()
    assert.equal("lsock.server(tcp iterative " .. where .. ", closed)", tostring(srv))
  end)
end)
