-- The reference cannot fall behind the code: every public function and
-- method has an LDoc entry, the committed index (lua/lsock/docindex.lua)
-- is what the comments give today, and lsock.help answers from it.
local helper = require "helper"
-- Only names are read here (of functions, modules and options such as
-- multicast.join or broadcast): no socket is made and nothing is sent,
-- so this spec needs no network namespace (netns); the specs that send
-- multicast or broadcast make their own (spec/support_netns.lua).
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

  -- What a module, table or object entry names must exist too.
  local function exists(e)
    if e.kind == "function" then return public[e.name] ~= nil end
    if e.kind == "module" then return package.searchpath(e.name, package.path) ~= nil end
    if e.kind == "table" then return type(lsock[e.name:match("^lsock%.(.+)$")]) == "table" end
    local prefix = e.name .. ":"
    for n in pairs(public) do
      if n:sub(1, #prefix) == prefix then return true end
    end
    return false
  end

  it("has no entry for a function that does not exist", function()
    local stale = {}
    for _, e in ipairs(entries) do
      if not exists(e) then stale[#stale + 1] = e.name end
    end
    table.sort(stale)
    assert.same({}, stale)
  end)

  it("gives every C function its returns, and system calls their failure and man page", function()
    local bad = {}
    for _, e in ipairs(entries) do
      if e.file:match("%.c$") and e.kind == "function" then
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

  it("has an entry for every module, and for every object type with methods", function()
    local missing = {}
    for _, m in ipairs { "lsock", "lsock.tcp", "lsock.udp", "lsock.unix", "lsock.stream",
        "lsock.multicast", "lsock.server", "lsock.loop", "lsock.help" } do
      if not (byname[m] and byname[m].kind == "module" and byname[m].summary ~= "") then
        missing[#missing + 1] = m
      end
    end
    local types = {}
    for n in pairs(public) do
      local t = n:match("^([%w_]+):")
      if t then types[t] = true end
    end
    for t in pairs(types) do
      local e = byname[t] or byname["lsock." .. t]
      if not e or e.kind == "function" then missing[#missing + 1] = t end
    end
    for _, t in ipairs { "lsock.errno" } do
      if not byname[t] then missing[#missing + 1] = t end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("names in each signature every argument the Lua code takes, in order", function()
    local bad = {}
    for _, e in ipairs(entries) do
      if e.args then
        local doc = {}
        for _, p in ipairs(e.params) do doc[#doc + 1] = p.name end
        -- A method's self is implicit; "..." stands for the rest.
        if table.concat(doc, ",") ~= table.concat(e.args, ",") then
          bad[#bad + 1] = e.name .. ": code (" .. table.concat(e.args, ", ")
            .. ") doc (" .. table.concat(doc, ", ") .. ")"
        end
      end
    end
    assert.same({}, bad)
  end)

  it("gives every function a returns line", function()
    local bare = {}
    for _, e in ipairs(entries) do
      if e.kind == "function" and #e.returns == 0 then bare[#bare + 1] = e.name end
    end
    assert.same({}, bare)
  end)

  it("lists every key an opts table is read for in the entry that takes it", function()
    -- Each `opts.key` a helper module reads must be named (`key`) in the
    -- @tparam opts text of that module's entries.
    local bad = {}
    for _, mod in ipairs { "tcp", "udp", "unix", "stream", "multicast", "server" } do
      local path = "lua/lsock/" .. mod .. ".lua"
      local doc = {}
      for _, e in ipairs(entries) do
        if e.file == "./" .. path or e.file == path then
          for _, p in ipairs(e.params) do
            if p.name == "opts" then doc[#doc + 1] = p.desc end
          end
        end
      end
      doc = table.concat(doc, " ")
      for key in readfile(path):gmatch("opts%.([%a_][%w_]*)") do
        if not doc:find("`" .. key .. "[`(]") then bad[#bad + 1] = mod .. ": " .. key end
      end
    end
    table.sort(bad)
    assert.same({}, bad)
  end)

  it("agrees with doc/core.md: every socket method of its tables has help's signature", function()
    local bad, seen, inmethods = {}, 0, false
    for line in readfile("doc/core.md"):gmatch("[^\n]+") do
      local first = line:match("^| ([^|]+) |")
      -- Only the tables headed "| method | ...": others tabulate values.
      if line:match("^| method |") then inmethods = true
      elseif not line:match("^|") then inmethods = false end
      if first and inmethods and first ~= "method " then
        for call in first:gmatch("`([%w_]+%b())`") do
          local name = call:match("^[%w_]+")
          local e = byname["socket:" .. name]
          if e then
            seen = seen + 1
            local sig = docindex.signature(e):gsub("^socket:", "")
            if sig ~= call then bad[#bad + 1] = call .. " ~= " .. sig end
          end
        end
      end
    end
    assert.is_true(seen >= 20, "core.md tables found: " .. seen)
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

  it("answers for modules, object types and lsock.errno, by bare or full name", function()
    for word, head in pairs { stream = "module lsock.stream", loop = "module lsock.loop",
        ["lsock.tcp"] = "module lsock.tcp", tcp = "module lsock.tcp",
        errno = "table lsock.errno", sockaddr = "object sockaddr",
        ["lsock.udp"] = "module lsock.udp", poller = "object poller" } do
      local t = lsock.help.text(word)
      assert.equal(head, t:sub(1, #head), word)
      assert.truthy(t:find("example:", 1, true), word)
    end
    assert.truthy(lsock.help.text("stream"):find("stream:readsome([n])", 1, true))
    assert.truthy(lsock.help.text("tcp"):find("lsock.tcp.connect(host, port [, opts])", 1, true))
    assert.truthy(lsock.help.text(lsock.tcp):find("module lsock.tcp", 1, true))
    assert.truthy(lsock.help.text("sockaddr"):find("sockaddr:unpack()", 1, true))
    -- server.tcp is still there by its own name.
    assert.truthy(lsock.help.text("server.tcp"):find("lsock.server.tcp(opts)", 1, true))
  end)

  it("shows the arguments of every call, and each opts key, returns and an example", function()
    for name, sig in pairs {
        ["loop.spawn"] = "lsock.loop.spawn(fn, ...)",
        ["loop.sleep"] = "lsock.loop.sleep(seconds)",
        ["loop.wakeup"] = "lsock.loop.wakeup(co [, v])",
        ["loop.onerror"] = "lsock.loop.onerror(msg, co)",
        ["server.udp"] = "lsock.server.udp(opts)",
        ["multicast.leave"] = "lsock.multicast.leave(sock, group [, interface [, source]])",
        ["stream:setvbuf"] = "stream:setvbuf(mode [, size])",
        ["stream:write"] = "stream:write(...)",
        ["stream:readsome"] = "stream:readsome([n])", ["stream:lines"] = "stream:lines(...)",
        ["socket:sendto"] = "socket:sendto(data, addr [, port [, flags]])" } do
      local t = lsock.help.text(name)
      assert.equal(sig, t:sub(1, #sig), name)
      assert.truthy(t:find("\n  returns: ", 1, true), name)
      assert.truthy(t:find("\n  example:\n", 1, true), name)
    end
    local c = lsock.help.text("tcp.connect")
    for _, key in ipairs { "timeout", "family", "localaddr", "nodelay" } do
      assert.truthy(c:find("`" .. key .. "`", 1, true), key)
    end
    local u = lsock.help.text("udp.open")
    for _, key in ipairs { "bind", "connect", "family", "broadcast", "reuseaddr", "reuseport",
        "v6only", "timeout" } do
      assert.truthy(u:find("`" .. key .. "`", 1, true), key)
    end
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
