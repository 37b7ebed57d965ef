-- Issue 15: Happy Eyeballs (RFC 8305) in lsock.tcp.connect, over every
-- address, inside the loop and outside it.  The addresses are loopback
-- sockaddrs given as an array: a "blackholed" one is a listener whose
-- backlog of 0 is full, so SYNs to it are dropped and the connect stays
-- pending; a dead one is a closed port (refused at once).
local helper = require "helper"
local S = require "spec.support_names"
local lsock = helper.lsock
local loop = require "lsock.loop"

local E = lsock.errno
local now = lsock.monotime

local function defer(fn) helper.defer(finally, fn) end

-- A blackholed sockaddr on host, cleaned up when the test ends.
local function blackhole(host)
  local l, port, fill = S.blackhole(lsock, host)
  defer(function() l:close() S.closeall(fill) end)
  return lsock.addr(host, port)
end

-- A listener on host, closed when the test ends.
local function listener(host)
  local srv = assert(lsock.tcp.listen(host, 0))
  defer(function() srv:close() end)
  return srv, srv:getsockname()
end

-- connect(list, opts) timed: the elapsed seconds, then its results.
local function timed(list, opts)
  local t0 = now()
  local r = table.pack(lsock.tcp.connect(list, nil, opts))
  return now() - t0, table.unpack(r, 1, r.n)
end

describe("issue 15: Happy Eyeballs in lsock.tcp.connect", function()
  it("issue 15: a blackholed first address and a good second one of the same family"
     .. " connect in about 0.25 s", function()
    for _, host in ipairs { "127.0.0.1", "::1" } do
      local bh = blackhole(host)
      local srv, good = listener(host)
      local dt, c = timed({ bh, good }, { timeout = 5 })
      assert(c, "no connection over " .. host)
      assert.equal(good, c:getpeername())
      assert.is_true(dt > 0.2 and dt < 1.5, host .. ": " .. dt .. " s")
      assert.is_nil(c:gettimeout())          -- blocking, as before
      local a = assert(srv:accept())
      assert.equal(4, c:send("ping"))
      assert.equal("ping", a:recv(4))
      a:close()
      c:close()
    end
  end)

  it("issue 15: a good IPv6 second and a blackholed IPv4 first connect in about 0.25 s", function()
    local bh = blackhole("127.0.0.1")
    local _, good = listener("::1")
    local dt, c = timed({ bh, good }, { timeout = 5 })
    assert(c)
    assert.equal(good, c:getpeername())
    assert.equal("inet6", c:family())
    assert.is_true(dt > 0.2 and dt < 1.5, dt .. " s")
    c:close()
  end)

  it("issue 15: attempts start 250 ms apart over every address, families interleaved", function()
    -- Three blackholed IPv4 and one blackholed IPv6 before the good IPv6:
    -- interleaved 4, 6, 4, 6(good), 4 — the good one starts third, at
    -- about 0.75 s (in address order it would be fifth, at 1 s).
    local list = {
      blackhole("127.0.0.1"), blackhole("127.0.0.1"), blackhole("127.0.0.1"),
      blackhole("::1"),
    }
    local _, good = listener("::1")
    list[#list + 1] = good
    local dt, c = timed(list, { timeout = 5 })
    assert(c)
    assert.equal(good, c:getpeername())
    assert.is_true(dt > 0.65 and dt < 2.5, dt .. " s")
    c:close()
  end)

  it("issue 15: every losing attempt is closed, whether one wins or the timeout ends it", function()
    local list = { blackhole("127.0.0.1"), blackhole("::1"),
                   blackhole("127.0.0.1") }
    local srv, good = listener("127.0.0.1")
    list[#list + 1] = good
    local before = helper.socket_count()
    local dt, c = timed(list, { timeout = 5 })
    assert(c)
    assert.is_true(dt > 0.6 and dt < 2.5, dt .. " s")
    -- Only the winner is left (three losers were pending when it won).
    assert.equal(before + 1, helper.socket_count())
    c:close()
    assert(srv:accept()):close()
    assert.equal(before, helper.socket_count())
    -- Every address hangs: the timeout ends the call and its attempts.
    table.remove(list)
    local t0 = now()
    local s, msg, code = lsock.tcp.connect(list, nil, { timeout = 0.6 })
    local took = now() - t0
    assert.is_nil(s)
    assert.equal("timeout", msg)
    assert.equal(E.ETIMEDOUT, code)
    assert.is_true(took > 0.5 and took < 2, took .. " s")
    assert.equal(before, helper.socket_count())
  end)

  it("issue 15: a refused attempt starts the next one at once", function()
    -- hang, then four refusals, then the good one: the refusals cost no
    -- 250 ms each, so the good one starts at about 0.25 s, not 1.25 s.
    local dead = lsock.addr("127.0.0.1", S.deadport(lsock, "127.0.0.1"))
    local _, good = listener("127.0.0.1")
    local dt, c = timed({ blackhole("127.0.0.1"), dead, dead, dead, dead,
                          good }, { timeout = 5 })
    assert(c)
    assert.equal(good, c:getpeername())
    assert.is_true(dt > 0.2 and dt < 0.9, dt .. " s")
    c:close()
    -- All refused: the last failure, as before.
    local s, msg, code = lsock.tcp.connect({ dead, dead }, nil, { timeout = 5 })
    assert.is_nil(s)
    assert.equal("Connection refused", msg)
    assert.equal(E.ECONNREFUSED, code)
  end)

  it("issue 15: inside a loop task a 20 ms ticker keeps ticking while connect staggers", function()
    local bh = blackhole("127.0.0.1")
    local srv, good = listener("127.0.0.1")
    local ticks, maxgap, done = 0, 0, false
    local got, dt, err, peer2
    loop.spawn(function()
      local last = now()
      local t0 = last
      while not done and now() - t0 < 10 do
        loop.sleep(0.02)
        local t = now()
        maxgap = math.max(maxgap, t - last)
        last, ticks = t, ticks + 1
      end
    end)
    loop.spawn(function()
      assert(loop.intask())
      local t0 = now()
      local c, msg = lsock.tcp.connect({ bh, good }, nil, { timeout = 5 })
      dt, got, err = now() - t0, c, msg
      -- A name, resolved the loop's way, through the same stagger.
      local c2 = lsock.tcp.connect({ bh, "127.0.0.1" }, good.port,
                                   { timeout = 5 })
      if c2 then peer2 = c2:getpeername(); c2:close() end
      done = true
    end)
    loop.run()
    assert(got, tostring(err))
    assert.equal(good, got:getpeername())
    assert.equal(good, peer2)
    assert.is_true(dt > 0.2 and dt < 1.5, dt .. " s")
    assert.is_true(ticks >= 8, ticks .. " ticks")
    assert.is_true(maxgap < 0.15, "ticker waited " .. maxgap .. " s")
    got:close()
    assert(srv:accept()):close()
    assert(srv:accept()):close()
  end)

  it("issue 15: in a loop task the timeout, and a cancel, close every attempt", function()
    local list = { blackhole("127.0.0.1"), blackhole("::1"),
                   blackhole("127.0.0.1") }
    local before = helper.socket_count()
    local r, took, during
    loop.spawn(function()
      local t0 = now()
      r = table.pack(lsock.tcp.connect(list, nil, { timeout = 0.6 }))
      took = now() - t0
    end)
    loop.run()
    assert.same({ n = 3, nil, "timeout", E.ETIMEDOUT }, r)
    assert.is_true(took > 0.5 and took < 2, took .. " s")
    assert.equal(before, helper.socket_count())
    -- Cancelled while its three attempts are pending.
    local finished = false
    local task = loop.spawn(function()
      lsock.tcp.connect(list, nil, { timeout = 5 })
      finished = true
    end)
    loop.spawn(function()
      loop.sleep(0.6)
      during = helper.socket_count()
      assert(loop.cancel(task))
    end)
    loop.run()
    assert.is_false(finished)
    assert.equal(before + 3, during)
    assert.equal(before, helper.socket_count())
  end)

  it("issue 15: tls = ... wraps the winning socket", function()
    local support = require "support_tls"
    local certs = support.certs()
    local www, port = support.s_server(("-cert %s -key %s -www")
                                       :format(certs.server, certs.server_key))
    defer(function() www:cleanup() support.cleanup() end)
    local t0 = now()
    local c = assert(lsock.tcp.connect(
      { blackhole("127.0.0.1"), lsock.addr("127.0.0.1", port) }, nil,
      { timeout = 5, tls = { cafile = certs.ca, servername = "localhost" } }))
    local dt = now() - t0
    assert.is_true(c:verified())
    assert.is_true(dt > 0.2 and dt < 3, dt .. " s")
    c:close()
  end)
end)
