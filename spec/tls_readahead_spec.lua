-- lsock.tls reads the socket through a buffer of its own (csrc/tls/bio.c),
-- several records a recv: records it holds are readable for select, the
-- poller and streams (dirty()), though the socket no longer shows them.
local helper = require "helper"
local support = require "support_tls"
local lsock = helper.lsock
local tls = require "lsock.tls"

local function defer(fn) helper.defer(finally, fn) end

teardown(function() support.cleanup() end)

describe("lsock.tls read-ahead", function()
  local certs
  setup(function() certs = support.certs() end)

  -- A server writing 20000 bytes (two records: 16384 and 3616) at once,
  -- then waiting for a byte; the client reads the first record only.
  local function firstrecord()
    local p, port = support.python_server(certs, nil, [[
conn.sendall(b"x" * 20000)
conn.recv(1)
]])
    defer(function() p:cleanup() end)
    local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
    defer(function() c:close() end)
    -- Both records in the kernel before the first read, within bounds.
    local t0 = lsock.monotime()
    while lsock.monotime() - t0 < 0.3 do lsock.sleep(0.02) end
    local d = assert(c:recv(65536))
    assert.equal(16384, #d)
    return c
  end

  it("select and the poller see a record held in the buffer", function()
    local c = firstrecord()
    -- Read ahead or still in the kernel: readable at once either way.
    assert.equal(c, lsock.select({ c }, {}, helper.T)[1])
    local poller = assert(lsock.poller())
    defer(function() poller:close() end)
    assert(poller:add(c, "r"))
    local seen = {}
    for obj, ev in assert(poller:wait(helper.T)) do seen[#seen + 1] = { obj, ev } end
    assert.same({ { c, "r" } }, seen)
    if c:dirty() then assert.equal(0, c:pending()) end
    assert.equal(3616, #assert(c:recv(65536)))
    assert.is_false(c:dirty())
    c:sendall("k")
  end)

  it("a stream over the connection is dirty while the buffer holds a record", function()
    local c = firstrecord()
    local st = lsock.stream.wrap(c)
    assert.equal(c:dirty(), st:dirty())
    assert.equal(st, lsock.select({ st }, {}, helper.T)[1])
    assert.equal(3616, #assert(st:read(3616)))
    assert.is_false(st:dirty())
    st:write("k")
    assert(st:flush())
  end)

  it("calls a select-mode server's handler again for a record held in the buffer", function()
    local child = helper.lua(([[
local lsock = require "lsock"
local ctx = assert(lsock.tls.context { mode = "server", certfile = %q, keyfile = %q })
local first = true
local srv = assert(lsock.server.tcp { host = "127.0.0.1", port = 0, tls = ctx, timeout = 5,
  mode = "select", deadline = 20, handler = function(c)
    -- Both records in the kernel before the first read, within bounds.
    if first then first = false; lsock.sleep(0.3) end
    local d = c:recv(65536)   -- one record a call
    if not d or d == "" then return false end
    c:sendall(#d .. "\n")
    return true
  end })
io.stdout:setvbuf("line")
print(tostring(srv.addr))
srv:run()
]]):format(certs.server, certs.server_key))
    defer(function() child:cleanup() end)
    local _, port = child:address()
    local c = assert(tls.connect("localhost", port, { cafile = certs.ca, timeout = helper.T }))
    defer(function() c:close() end)
    assert(c:sendall(("x"):rep(20000)))   -- two records: 16384 and 3616
    local got = ""
    while #got < #"16384\n3616\n" do got = got .. assert(c:recv(100)) end
    assert.equal("16384\n3616\n", got)
  end)
end)
