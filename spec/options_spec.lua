-- setsockopt/getsockopt: the option table, every option set and read back
-- (inside a network namespace: the membership rows join groups), the
-- error conventions, raw access, and the generated doc/options.md.
local lsock = require "lsock"
local netns = require "spec.support_netns"
local E = lsock.errno

local rows = lsock.options()

local function udp()
  return assert(lsock.socket("inet", "dgram"))
end

describe("lsock.options()", function()
  it("describes each row with level, name, constant, kind, value, get, set", function()
    assert.is_true(#rows > 80)
    for _, o in ipairs(rows) do
      assert.is_string(o.level)
      assert.is_string(o.name)
      assert.matches("^[A-Z][A-Z0-9_]+$", o.constant)
      assert.is_string(o.kind)
      assert.is_string(o.value)
      assert.is_boolean(o.get)
      assert.is_boolean(o.set)
      assert.is_true(o.get or o.set)
      -- the numbers are the C constants lsock exports (MCAST_ ones are
      -- not among the exported prefixes)
      if not o.constant:match("^MCAST_") then
        assert.equal(lsock[o.constant], o.optnum, o.constant)
      end
    end
  end)

  it("has each name once per level", function()
    local seen = {}
    for _, o in ipairs(rows) do
      local key = o.level .. "." .. o.name
      assert.is_nil(seen[key], key)
      seen[key] = true
    end
  end)

  it("covers every option the issue lists", function()
    local have = {}
    for _, o in ipairs(rows) do have[o.level .. "." .. o.name] = o.kind end
    local want = {
      socket = "type error acceptconn domain protocol reuseaddr reuseport keepalive "
        .. "broadcast dontroute oobinline linger rcvbuf sndbuf rcvbufforce sndbufforce "
        .. "rcvlowat sndlowat rcvtimeo sndtimeo bindtodevice priority mark passcred "
        .. "peercred timestamp timestampns busy_poll incoming_cpu cookie",
      ip = "tos ttl hdrincl pktinfo recvttl recvtos recverr mtu_discover mtu freebind "
        .. "transparent bind_address_no_port multicast_if multicast_ttl multicast_loop "
        .. "multicast_all add_membership drop_membership add_source_membership "
        .. "drop_source_membership block_source unblock_source",
      ipv6 = "v6only unicast_hops multicast_hops multicast_loop multicast_if join_group "
        .. "leave_group add_membership drop_membership recvpktinfo recvhoplimit tclass "
        .. "recvtclass dontfrag mtu_discover",
      tcp = "nodelay cork maxseg keepidle keepintvl keepcnt user_timeout defer_accept "
        .. "fastopen fastopen_connect quickack notsent_lowat congestion info",
      udp = "cork segment",
    }
    for level, names in pairs(want) do
      for name in names:gmatch("%S+") do
        assert.is_string(have[level .. "." .. name], level .. "." .. name)
      end
    end
    assert.equal("ucred", have["socket.peercred"])
    assert.equal("tcp_info", have["tcp.info"])
    assert.equal("string", have["tcp.congestion"])
    assert.equal("string", have["socket.bindtodevice"])
    assert.equal("time", have["socket.rcvtimeo"])
    assert.equal("ip_mreqn", have["ip.add_membership"])
    assert.equal("ip_mreq_source", have["ip.add_source_membership"])
    assert.equal("ipv6_mreq", have["ipv6.join_group"])
  end)
end)

describe("every option in the table", function()
  -- One sweep (spec/support_options.lua) in a namespace of its own, read
  -- lazily by the first test; each option then has its own test.
  local results, net
  local function sweep()
    if results then return results end
    results = {}
    net = netns.single()
    local p = net:lua("a", "spec/support_options.lua", {}, true)
    local out, ok = p:finish()
    for key, status, detail in out:gmatch("([%w_]+%.[%w_]+)\t(%a+)\t([^\n]*)") do
      results[key] = { status = status, detail = detail }
    end
    results[""] = { status = ok and "ok" or "fail", detail = out }
    return results
  end

  teardown(function()
    if net then net:destroy() end
  end)

  it("are all checked by one sweep that exits cleanly", function()
    local r = sweep()
    assert.equal("ok", r[""].status, r[""].detail)
  end)

  for _, o in ipairs(rows) do
    local key = o.level .. "." .. o.name
    it(key .. " is set, read back and compared", function()
      local r = sweep()[key]
      assert.is_table(r, "no result for " .. key .. ":\n" .. sweep()[""].detail)
      if r.status == "refused" then
        print(("\n  skipped %s: the running kernel refuses it (ENOPROTOOPT: %s)")
              :format(key, r.detail))
      else
        assert.equal("ok", r.status, key .. ": " .. r.detail)
      end
    end)
  end
end)

describe("socket:setsockopt() and getsockopt() misuse", function()
  it("raises on an unknown option name", function()
    local s <close> = udp()
    assert.has_error(function() s:setsockopt("socket", "nosuchopt", 1) end,
      "bad argument #2 to 'setsockopt' (unknown option 'nosuchopt' at level 'socket')")
    assert.has_error(function() s:getsockopt("ip", "reuseaddr") end,
      "bad argument #2 to 'getsockopt' (unknown option 'reuseaddr' at level 'ip')")
  end)

  it("raises on an unknown level name", function()
    local s <close> = udp()
    assert.has_error(function() s:setsockopt("sock", "reuseaddr", true) end,
      "bad argument #1 to 'setsockopt' (unknown level 'sock')")
  end)

  it("raises naming the option and the kind expected for a wrong value", function()
    local s <close> = udp()
    assert.has_error(function() s:setsockopt("socket", "reuseaddr", "yes") end,
      "bad argument #3 to 'setsockopt' (boolean expected for option 'reuseaddr')")
    assert.has_error(function() s:setsockopt("socket", "rcvbuf", 1.5) end,
      "bad argument #3 to 'setsockopt' (integer expected for option 'rcvbuf')")
    assert.has_error(function() s:setsockopt("socket", "rcvtimeo", "1") end,
      "bad argument #3 to 'setsockopt' (seconds expected for option 'rcvtimeo')")
    assert.has_error(function() s:setsockopt("socket", "linger", 5) end,
      "bad argument #3 to 'setsockopt' (table {onoff=, linger=} expected for option 'linger')")
    assert.has_error(function() s:setsockopt("socket", "bindtodevice", 1) end,
      "bad argument #3 to 'setsockopt' (string expected for option 'bindtodevice')")
    assert.has_error(function() s:setsockopt("ip", "add_membership", 5) end,
      "bad argument #3 to 'setsockopt' (group or table {multiaddr=, interface=} "
      .. "expected for option 'add_membership')")
    assert.has_error(function()
      s:setsockopt("ip", "add_source_membership", { multiaddr = "232.1.1.1" })
    end, "bad argument #3 to 'setsockopt' (table {multiaddr=, sourceaddr=, interface=} "
      .. "expected for option 'add_source_membership')")
    assert.has_error(function()
      s:setsockopt("ip", "add_membership", { multiaddr = "225.0.0.300" })
    end, "bad argument #3 to 'setsockopt' (invalid IPv4 address '225.0.0.300' in "
      .. "multiaddr for option 'add_membership')")
  end)

  it("raises for a value of the wrong type, for every settable option", function()
    for _, o in ipairs(rows) do
      if o.set then
        local s <close> = udp()
        local ok, err = pcall(s.setsockopt, s, o.level, o.name, print)
        assert.is_false(ok, o.name)
        assert.matches("option '" .. o.name .. "'", err, 1, true)
      end
    end
  end)

  it("raises when reading a write-only or setting a read-only option", function()
    local s <close> = udp()
    assert.has_error(function() s:getsockopt("ip", "add_membership") end,
      "bad argument #2 to 'getsockopt' (option 'add_membership' is write-only)")
    assert.has_error(function() s:setsockopt("socket", "type", 1) end,
      "bad argument #2 to 'setsockopt' (option 'type' is read-only)")
  end)

  it("raises on a closed socket", function()
    local s = udp()
    s:close()
    assert.has_error(function() s:getsockopt("socket", "type") end)
    assert.has_error(function() s:setsockopt("socket", "reuseaddr", true) end)
  end)
end)

describe("the kernel refusing", function()
  it("returns nil, msg, errno (ENODEV for an unknown device)", function()
    local s <close> = udp()
    local ok, msg, err = s:setsockopt("socket", "bindtodevice", "nosuchdev0")
    assert.is_nil(ok)
    assert.equal(E.ENODEV, err)
    assert.is_string(msg)
    assert.not_matches("setsockopt failed", msg)
  end)

  it("returns ENODEV for an unknown interface name in a membership", function()
    local s <close> = udp()
    local ok, _, err = s:setsockopt("ip", "add_membership",
                                    { multiaddr = "225.0.0.10", interface = "nosuchdev0" })
    assert.is_nil(ok)
    assert.equal(E.ENODEV, err)
    local s6 <close> = assert(lsock.socket("inet6", "dgram"))
    ok, _, err = s6:setsockopt("ipv6", "multicast_if", "nosuchdev0")
    assert.is_nil(ok)
    assert.equal(E.ENODEV, err)
  end)

  it("returns ENOENT for an unknown congestion algorithm", function()
    local s <close> = assert(lsock.socket("inet", "stream"))
    local ok, _, err = s:setsockopt("tcp", "congestion", "nosuchalgo")
    assert.is_nil(ok)
    assert.equal(E.ENOENT, err)
  end)

  it("returns EINVAL for an option of another protocol", function()
    local s <close> = udp()
    local ok, _, err = s:getsockopt("tcp", "info")
    assert.is_nil(ok)
    assert.equal("integer", math.type(err))
  end)
end)

describe("raw option access", function()
  -- SO_RXQ_OVFL is a plain int option lsock's table does not name.
  local RXQ = lsock.SO_RXQ_OVFL or 40

  it("takes an integer or a boolean and reads back a C int", function()
    local s <close> = udp()
    assert.is_true(s:setsockopt(lsock.SOL_SOCKET, RXQ, 1))
    assert.equal(1, s:getsockopt(lsock.SOL_SOCKET, RXQ))
    assert.is_true(s:setsockopt(lsock.SOL_SOCKET, RXQ, false))
    assert.equal(0, s:getsockopt(lsock.SOL_SOCKET, RXQ))
  end)

  it("takes a byte string and returns raw bytes of the size asked", function()
    local s <close> = udp()
    assert.is_true(s:setsockopt(lsock.SOL_SOCKET, RXQ, string.pack("=i4", 1)))
    assert.equal(string.pack("=i4", 1), s:getsockopt(lsock.SOL_SOCKET, RXQ, 4))
    -- a known option read raw: struct linger as C lays it out
    assert.is_true(s:setsockopt("socket", "linger", { onoff = true, linger = 3 }))
    assert.equal(string.pack("=i4i4", 1, 3), s:getsockopt("socket", "linger", 8))
  end)

  it("gives numeric names of known options their typed value", function()
    local s <close> = udp()
    assert.is_true(s:setsockopt(lsock.SOL_SOCKET, lsock.SO_REUSEADDR, true))
    assert.is_true(s:getsockopt(lsock.SOL_SOCKET, lsock.SO_REUSEADDR))
    assert.is_true(s:getsockopt("socket", lsock.SO_REUSEADDR))
    assert.equal(lsock.SOCK_DGRAM, s:getsockopt(lsock.SOL_SOCKET, lsock.SO_TYPE))
  end)

  it("returns nil, msg, errno when the kernel does not know the option", function()
    local s <close> = udp()
    local ok, msg, err = s:getsockopt(lsock.SOL_SOCKET, 9999)
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal(E.ENOPROTOOPT, err)
  end)
end)

describe("doc/options.md", function()
  it("is what tools/options_doc.lua generates from the table (make doc-options)", function()
    local p = io.popen("lua5.4 tools/options_doc.lua 2>&1")
    local generated = p:read("a")
    assert.is_true(p:close(), generated)
    local f = assert(io.open("doc/options.md"))
    local committed = f:read("a")
    f:close()
    assert.equal(generated, committed,
                 "doc/options.md is stale: run `make doc-options` and commit it")
    for _, o in ipairs(rows) do
      assert.matches("| `" .. o.name .. "` | `" .. o.constant .. "` |", committed, 1, true)
    end
  end)
end)
