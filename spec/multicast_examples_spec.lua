-- The multicast and broadcast examples, run as a user would, inside
-- network namespaces this spec creates and deletes (spec/support_netns.lua):
-- one namespace with only loopback for the defaults, a veth pair for the
-- flag that selects another interface.  The runs with default ports use
-- the course's fixed ports (7200, 7201): inside a namespace made for this
-- test nothing else can hold them.
local netns = require "spec.support_netns"

local SERVER, CLIENT = "examples/multicast_server.lua", "examples/multicast_client.lua"
local BROADCAST = "examples/broadcast.lua"

describe("examples/multicast_server.lua and multicast_client.lua", function()
  local net, lone

  setup(function()
    net = netns.pair()
    lone = netns.single()
  end)

  teardown(function()
    if net then net:destroy() end
    if lone then lone:destroy() end
    netns.cleanup()
  end)

  it("talk over loopback by default: group 225.0.0.10, port 7200", function()
    local client = lone:lua("a", CLIENT, { "--count", "2", "--timeout", "5" }, true)
    assert(client:expect("^joined 225%.0%.0%.10 port 7200 on 127%.0%.0%.1$"),
           table.concat(client.lines, "\n"))
    local out, ok = lone:lua("a", SERVER, { "--count", "3", "--interval", "0.1" }, true)
                        :finish()
    assert(ok, out)
    assert.matches("sending to 225.0.0.10 port 7200 via 127.0.0.1, ttl 0", out, 1, true)
    local got = client:finish()
    assert.matches("127.0.0.1: hello, group #1\n127.0.0.1: hello, group #2", got, 1, true)
  end)

  it("send nothing off the host by default", function()
    -- a client on the other host, joined on the link: the default server
    -- sends through loopback, so the client hears nothing
    local client = net:lua("b", CLIENT, { "--interface", net.ifname.b, "--port", "0",
                                          "--count", "1", "--timeout", "1" }, true)
    local port = assert(client:expect("^joined %S+ port (%d+) on"))
    local out, ok = net:lua("a", SERVER, { "--port", port, "--count", "2",
                                           "--interval", "0.1" }, true):finish()
    assert(ok, out)
    local got = client:finish()
    assert.matches("\ntimeout$", got)
    assert.not_matches("hello", got, 1, true)
  end)

  it("reach another host when --interface selects the link (TTL 1)", function()
    local client = net:lua("b", CLIENT, { "--interface", net.ifname.b, "--port", "0",
                                          "--count", "1", "--timeout", "5" }, true)
    local port = assert(client:expect("^joined %S+ port (%d+) on"))
    local out, ok = net:lua("a", SERVER, { "--interface", "10.99.0.1", "--port", port,
                                           "--count", "2", "--interval", "0.1",
                                           "news" }, true):finish()
    assert(ok, out)
    assert.matches("via 10.99.0.1, ttl 1", out, 1, true)
    assert.matches("10.99.0.1: news #1", client:finish(), 1, true)
  end)

  it("work with an IPv6 group, interfaces by name", function()
    local client = net:lua("b", CLIENT, { "--group", "ff12::7200", "--interface", net.ifname.b,
                                          "--port", "0", "--count", "1", "--timeout", "5" },
                           true)
    local port = assert(client:expect("^joined %S+ port (%d+) on"))
    local out, ok = net:lua("a", SERVER, { "--group", "ff12::7200", "--interface",
                                           net.ifname.a, "--port", port, "--count", "2",
                                           "--interval", "0.1" }, true):finish()
    assert(ok, out)
    assert.matches("fe80::[%x:]+%%" .. net.ifname.b .. ": hello, group #1",
                   (client:finish()))
  end)
end)

describe("examples/broadcast.lua", function()
  local net, lone

  setup(function()
    net = netns.pair()
    lone = netns.single()
  end)

  teardown(function()
    if net then net:destroy() end
    if lone then lone:destroy() end
    netns.cleanup()
  end)

  it("broadcasts on the loopback network by default (port 7201)", function()
    local recv = lone:lua("a", BROADCAST, { "recv", "--count", "2", "--timeout", "5" }, true)
    assert(recv:expect("^listening on port 7201$"), table.concat(recv.lines, "\n"))
    local out, ok = lone:lua("a", BROADCAST, { "send", "--count", "2", "--interval", "0.1" },
                             true):finish()
    assert(ok, out)
    assert.matches("sent #1 to 127.255.255.255:7201", out, 1, true)
    assert.matches("127.0.0.1: hello, everyone #1\n127.0.0.1: hello, everyone #2",
                   recv:finish(), 1, true)
  end)

  it("reaches the other host through 10.99.0.255", function()
    local recv = net:lua("b", BROADCAST, { "recv", "0", "--count", "1", "--timeout", "5" },
                         true)
    local port = assert(recv:expect("^listening on port (%d+)$"))
    local out, ok = net:lua("a", BROADCAST, { "send", "10.99.0.255", port,
                                              "--message", "all hands" }, true):finish()
    assert(ok, out)
    assert.matches("10.99.0.1: all hands #1", recv:finish(), 1, true)
  end)
end)
