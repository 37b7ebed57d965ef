-- The examples of "several clients at once", run as a user would run
-- them: each prints its bound address first when given port 0.
local lsock = require "lsock"
local support = require "support_poll"

local function exchange(c, msg)
  assert(c:sendall(msg))
  return support.recvn(c, #msg)
end

describe("examples/tcp_fork_server.lua", function()
  it("serves 50 clients at once, one process each, leaving no zombie", function()
    local child = support.lua("examples/tcp_fork_server.lua", "127.0.0.1 0")
    local clients = {}
    finally(function()
      for _, c in ipairs(clients) do c:close() end
      support.stop(child)
    end)
    local addr = support.readaddr(child)
    for i = 1, 50 do clients[i] = support.connect(addr, 5) end
    -- all 50 are served at the same time, each by its own process
    for round = 1, 2 do
      for i, c in ipairs(clients) do
        assert(c:sendall(("%d\n"):format(i * 1000 + round)))
      end
      for i, c in ipairs(clients) do
        assert.equal(tostring(i * 1000 + round + 1), support.recvline(c))
      end
    end
    assert(clients[1]:sendall("abc\n"))
    assert.equal("error: not an integer", support.recvline(clients[1]))
    for _, c in ipairs(clients) do c:close() end
    clients = {}
    -- the parent reaps its children within about half a second
    local t0 = lsock.monotime()
    local z
    repeat
      lsock.sleep(0.1)
      z = support.zombies(child.pid)
    until z == 0 or lsock.monotime() - t0 > 5
    assert.equal(0, z)
    assert.matches("served by process", support.stderr(child))
  end)

  it("prints a usage line", function()
    local p = io.popen("lua5.4 examples/tcp_fork_server.lua -h")
    assert.matches("^usage: lua5.4 examples/tcp_fork_server.lua", p:read("a"))
    p:close()
  end)
end)

describe("examples/select_stdin_server.lua", function()
  it("serves clients until Enter is pressed on its standard input", function()
    local fifo = os.tmpname()
    os.remove(fifo)
    assert(os.execute("mkfifo " .. fifo))
    local child = support.lua("examples/select_stdin_server.lua", "127.0.0.1 0 < " .. fifo)
    local keyboard = assert(io.open(fifo, "w"))
    local clients = {}
    finally(function()
      for _, c in ipairs(clients) do c:close() end
      keyboard:close()
      support.stop(child)
      os.remove(fifo)
    end)
    local addr = support.readaddr(child)
    assert.equal("press Enter to stop", child.out:read("l"))
    for i = 1, 3 do clients[i] = support.connect(addr, 5) end
    for i = 3, 1, -1 do
      assert.equal("client " .. i, exchange(clients[i], "client " .. i))
    end
    for _ = 1, 3 do assert.matches("^connected: 127.0.0.1:%d+$", child.out:read("l")) end
    clients[2]:close()
    table.remove(clients, 2)
    assert.matches("^disconnected: ", child.out:read("l"))
    assert.equal("still", exchange(clients[1], "still"))
    -- Enter stops it
    keyboard:write("\n")
    keyboard:flush()
    assert.equal("stopped", child.out:read("l"))
    assert.is_nil(child.out:read("l"))
    assert.equal("", clients[1]:recv(10))
  end)
end)

describe("examples/select_timeout.lua", function()
  it("greets clients and reports the timeout when nothing comes", function()
    local child = support.lua("examples/select_timeout.lua", "127.0.0.1 0 0.3 < /dev/null")
    finally(function() support.stop(child) end)
    local addr = support.readaddr(child)
    local c = support.connect(addr, 5)
    local line = support.recvline(c)
    c:close()
    assert.matches("^hello 127.0.0.1:%d+$", line)
    assert.matches("^greeted 127.0.0.1:%d+$", child.out:read("l"))
    local t0 = lsock.monotime()
    local report = child.out:read("l")
    assert.matches("^timeout: nothing happened in 0.3 s %(waited 0.3%d s%)$", report)
    assert.is_true(lsock.monotime() - t0 >= 0.25)
    assert.is_nil(child.out:read("l"))
  end)

  it("waits 5 seconds by default (usage line says so)", function()
    local src = assert(io.open("examples/select_timeout.lua")):read("a")
    assert.matches("seconds defaults to 5", src)
    assert.matches('local seconds = tonumber%(arg%[3%] or 5%)', src)
  end)
end)

describe("examples/chat_server.lua", function()
  it("sends every line to every other client", function()
    local child = support.lua("examples/chat_server.lua", "127.0.0.1 0")
    local cs = {}
    finally(function()
      for _, c in ipairs(cs) do c:close() end
      support.stop(child)
    end)
    local addr = support.readaddr(child)
    cs[1] = support.connect(addr, 5)
    cs[2] = support.connect(addr, 5)
    local name2 = tostring(cs[2]:getsockname())
    assert.equal("* " .. name2 .. " joined", support.recvline(cs[1]))
    cs[3] = support.connect(addr, 5)
    local name3 = tostring(cs[3]:getsockname())
    assert.equal("* " .. name3 .. " joined", support.recvline(cs[1]))
    assert.equal("* " .. name3 .. " joined", support.recvline(cs[2]))
    -- two lines in one send, one split over two sends
    local name1 = tostring(cs[1]:getsockname())
    assert(cs[1]:sendall("hello\nworld\nhal"))
    assert(cs[1]:sendall("f a line\n"))
    for _, k in ipairs({ 2, 3 }) do
      assert.equal(name1 .. ": hello", support.recvline(cs[k]))
      assert.equal(name1 .. ": world", support.recvline(cs[k]))
      assert.equal(name1 .. ": half a line", support.recvline(cs[k]))
    end
    -- the sender gets nothing back
    cs[1]:settimeout(0.2)
    assert.same({ nil, "timeout", lsock.errno.ETIMEDOUT }, { cs[1]:recv(1) })
    cs[3]:close()
    table.remove(cs, 3)
    assert.equal("* " .. name3 .. " left", support.recvline(cs[2]))
  end)
end)
