-- Fault scenarios: what a program sees when the peer, the system or the
-- network misbehaves.  A reset is ECONNRESET (never an EOF), a half-close
-- is an EOF one way only, EMFILE on accept is a result and the pending
-- connection survives it, an EINTR storm loses no byte, datagram blasts end
-- in EAGAIN/ENOBUFS without corrupting what arrives, a killed listener and
-- a crashed child give EOF/refusal instead of a hang, and a lossy,
-- reordering relay between two namespaces loses nothing end to end.
local lsock = require "lsock"
local netns = require "spec.support_netns"

local E = lsock.errno
local CLEAN = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS "

local tmpfiles = {}
local function tmpfile(text)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(text)
  f:close()
  tmpfiles[#tmpfiles + 1] = name
  return name
end

local function cleanup()
  for i = #tmpfiles, 1, -1 do
    os.remove(tmpfiles[i])
    tmpfiles[i] = nil
  end
end

-- Runs Lua code in a child lua5.4 (same library, same sanitizers) under
-- `timeout`; returns its output and whether it exited 0.
local function child(code, prefix)
  local p = io.popen(("%stimeout 60 lua5.4 %s 2>&1")
                     :format(prefix or "", tmpfile(code)))
  local out = p:read("a")
  return out, p:close()
end

local function tcppair()
  local l = assert(lsock.socket("inet", "stream"))
  assert(l:bind("127.0.0.1", 0))
  assert(l:listen(8))
  local c = assert(lsock.socket("inet", "stream"))
  c:settimeout(5)
  assert(c:connect(l:getsockname()))
  l:settimeout(5)
  local p = assert(l:accept())
  p:settimeout(5)
  l:close()
  return c, p
end

describe("faults", function()
  after_each(cleanup)

  it("a peer reset mid-transfer is ECONNRESET, not EOF", function()
    local c, p = tcppair()
    assert(c:sendall(string.rep("x", 100000)))
    assert.equal(1000, #p:recv(1000))
    -- Close with unread data and linger 0: the kernel sends a RST.
    assert(p:setsockopt("socket", "linger", { onoff = true, linger = 0 }))
    p:close()
    local data, msg, err
    for _ = 1, 100 do
      data, msg, err = c:recv(65536)
      if data == nil or data == "" then break end
    end
    assert.is_nil(data, "a reset must not read as EOF")
    assert.equal(E.ECONNRESET, err, msg)
    -- Further sends fail (EPIPE or ECONNRESET), never kill by SIGPIPE.
    local n, _, e2 = c:send("more")
    assert.is_nil(n)
    assert.is_true(e2 == E.EPIPE or e2 == E.ECONNRESET)
    c:close()
  end)

  it("an orderly close is EOF (\"\"), distinct from a reset", function()
    local c, p = tcppair()
    assert(p:sendall("last words"))
    p:close()
    assert.equal("last words", c:recv(100))
    assert.equal("", c:recv(100))
    c:close()
  end)

  it("half-close: EOF one way, the other way still carries data", function()
    local c, p = tcppair()
    assert(c:sendall("request"))
    assert(c:shutdown("wr"))
    assert.equal("request", p:recv(100))
    assert.equal("", p:recv(100))              -- the client's EOF
    assert(p:sendall("reply after EOF"))       -- the server may still write
    assert(p:shutdown("wr"))
    assert.equal("reply after EOF", c:recv(100))
    assert.equal("", c:recv(100))
    local n, _, e = c:send("x")                 -- writing after shutdown
    assert.is_nil(n)
    assert.equal(E.EPIPE, e)
    c:close()
    p:close()
  end)

  it("EMFILE on accept is a result, and the connection waits for room", function()
    local out, ok = child([[
      local lsock = require "lsock"
      local l = assert(lsock.socket("inet", "stream"))
      assert(l:bind("127.0.0.1", 0))
      assert(l:listen(16))
      local c = assert(lsock.socket("inet", "stream"))
      c:settimeout(5)
      assert(c:connect(l:getsockname()))
      local hold = {}
      for _ = 1, 1000 do
        local s, msg, e = lsock.socket("inet", "dgram")
        if not s then
          assert(e == lsock.errno.EMFILE, msg)
          break
        end
        hold[#hold + 1] = s
      end
      assert(#hold < 1000, "no descriptor limit")
      local a, msg, e = l:accept()
      print("accept", a, msg, e == lsock.errno.EMFILE)
      hold[#hold]:close()
      local a2 = assert(l:accept())
      assert(a2:send("x"))
      print("after", c:recv(1))
    ]], "ulimit -n 40; ")
    assert(ok, out)
    assert.matches("accept\tnil\t[^\n]*\ttrue", out)
    assert.matches("after\tx", out)
  end)

  it("an EINTR storm (SIGALRM every 1 ms) loses no byte, blocking or with a timeout",
     function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    tmpfiles[#tmpfiles + 1] = dir .. "/itimer.so"
    tmpfiles[#tmpfiles + 1] = dir
    assert(os.execute(("%scc -std=c99 -D_XOPEN_SOURCE=700 -fPIC -shared %s "
                       .. "-o %s/itimer.so spec/c/itimer.c")
                      :format(CLEAN, "-I/usr/include/lua5.4", dir)))
    -- The echo peer reads everything, then sends it all back.
    local peer = tmpfile([[
import socket, sys
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4)
print(l.getsockname()[1], flush=True)
for _ in range(2):
    c, _ = l.accept()
    c.settimeout(30)
    chunks = []
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        chunks.append(d)
    c.sendall(b"".join(chunks))
    c.close()
]])
    local pp = io.popen(CLEAN .. "timeout 60 python3 " .. peer)
    local port = assert(math.tointeger(tonumber(pp:read("l"))))
    local out, ok = child(([[
      package.cpath = %q .. "/?.so;" .. package.cpath
      local itimer = require "itimer"
      local lsock = require "lsock"
      local N = 8 * 1024 * 1024
      local parts = {}
      for i = 1, N // 1024 do
        parts[i] = ("%%8d"):format(i) .. ("z"):rep(1015) .. "\n"
      end
      local data = table.concat(parts)
      itimer.arm(1000)
      for _, t in ipairs { false, 10 } do
        local c = assert(lsock.socket("inet", "stream"))
        if t then c:settimeout(t) end
        assert(c:connect("127.0.0.1", %d))
        local sent = assert(c:sendall(data))
        assert(c:shutdown("wr"))
        local got = {}
        while true do
          local d, msg = c:recv(65536)
          assert(d, msg)
          if d == "" then break end
          got[#got + 1] = d
        end
        got = table.concat(got)
        print(t and "timeout" or "blocking", sent, #got, got == data)
        c:close()
      end
      itimer.disarm()
      print("signals", itimer.count())
    ]]):format(dir, port))
    pp:close()
    assert(ok, out)
    assert.matches("blocking\t8388608\t8388608\ttrue", out)
    assert.matches("timeout\t8388608\t8388608\ttrue", out)
    local n = tonumber(out:match("signals\t(%d+)"))
    assert.is_true(n ~= nil and n >= 5, out)
  end)

  it("a unix datagram blast ends in EAGAIN; every datagram sent arrives, in order",
     function()
    local a, b = assert(lsock.socketpair("unix", "dgram"))
    a:settimeout(0)
    b:settimeout(0)
    local sent, err = 0, nil
    for i = 1, 100000 do
      local n, _, e = a:send(("%08d"):format(i) .. string.rep("d", 500))
      if not n then
        err = e
        break
      end
      sent = i
    end
    assert.is_true(err == E.EAGAIN or err == E.ENOBUFS)
    local got = 0
    while true do
      local d, _, e = b:recv(1000)
      if not d then
        assert.equal(E.EAGAIN, e)
        break
      end
      got = got + 1
      assert.equal(("%08d"):format(got) .. string.rep("d", 500), d)
    end
    assert.equal(sent, got)
    a:close()
    b:close()
  end)

  it("a UDP blast: sends succeed or fail with EAGAIN/ENOBUFS, what arrives is intact",
     function()
    local r = assert(lsock.socket("inet", "dgram"))
    assert(r:setsockopt("socket", "rcvbuf", 4096))
    assert(r:bind("127.0.0.1", 0))
    local s = assert(lsock.socket("inet", "dgram"))
    s:settimeout(0)
    local to = r:getsockname()
    local sent, failed = 0, 0
    for i = 1, 5000 do
      local n, msg, e = s:sendto(("%08d"):format(i) .. string.rep("u", 1000), to)
      if n then
        assert.equal(1008, n)
        sent = sent + 1
      else
        assert.is_true(e == E.EAGAIN or e == E.ENOBUFS, msg)
        failed = failed + 1
      end
    end
    r:settimeout(0)
    local got, last = 0, 0
    while true do
      local d, _, e = r:recv(2000)
      if not d then
        assert.equal(E.EAGAIN, e)
        break
      end
      local seq = tonumber(d:sub(1, 8))
      assert.is_true(seq > last, "reordered on loopback")
      assert.equal(("%08d"):format(seq) .. string.rep("u", 1000), d)
      last, got = seq, got + 1
    end
    assert.is_true(got >= 1 and got < sent, ("got %d of %d"):format(got, sent))
    assert.equal(5000, sent + failed)
    r:close()
    s:close()
  end)

  it("a listener killed mid-accept: its connections end, new ones are refused",
     function()
    local code = tmpfile([[
      local lsock = require "lsock"
      local l = assert(lsock.socket("inet", "stream"))
      assert(l:bind("127.0.0.1", 0))
      assert(l:listen(8))
      local f = assert(io.open("/proc/self/stat"))
      print(f:read("n"), l:getsockname().port)
      f:close()
      io.stdout:flush()
      local keep = {}
      while true do
        local c = assert(l:accept())
        keep[#keep + 1] = c
        c:send("ok")
      end
    ]])
    local p = io.popen("exec timeout 60 lua5.4 " .. code)
    local pid, port = p:read("n", "n")
    assert.is_not_nil(port)
    local conns = {}
    for i = 1, 2 do
      conns[i] = assert(lsock.socket("inet", "stream"))
      conns[i]:settimeout(5)
      assert(conns[i]:connect("127.0.0.1", port))
      assert.equal("ok", conns[i]:recv(2))
    end
    -- The child is now blocked in accept(); kill it there.
    assert(os.execute("kill -9 " .. pid))
    p:close()
    for i = 1, 2 do
      local d, msg, e = conns[i]:recv(10)
      assert.is_true(d == "" or e == E.ECONNRESET, msg)
      conns[i]:close()
    end
    local c = assert(lsock.socket("inet", "stream"))
    c:settimeout(5)
    local ok, msg, e = c:connect("127.0.0.1", port)
    assert.is_nil(ok)
    assert.equal(E.ECONNREFUSED, e, msg)
    c:close()
  end)

  it("a forked child that crashes: EOF or reset for its peer, signaled for wait",
     function()
    -- The child never returns into busted: it crashes or exits.
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen(4))
    l:settimeout(10)
    local pid = assert(lsock.fork())
    if pid == 0 then
      local c = lsock.socket("inet", "stream")
      if c and c:connect(l:getsockname()) and c:sendall("hello") then
        c:recv(5)
        local f = io.open("/proc/self/stat")
        local me = f and f:read("n")
        if me then os.execute("kill -SEGV " .. me) end
      end
      os.exit(3)
    end
    local s = assert(l:accept())
    s:settimeout(10)
    assert.equal("hello", s:recv(5))
    assert(s:sendall("12345" .. "unread"))
    local d, msg, e = s:recv(10)
    assert.is_true(d == "" or e == E.ECONNRESET, msg)
    local wpid, how, sig = lsock.wait(pid)
    assert.equal(pid, wpid)
    assert.equal("signaled", how)
    assert.is_true(sig == 11 or (os.getenv("LD_PRELOAD") and sig == 6))
    s:close()
    l:close()
  end)

  it("a child that crashes: its peer sees EOF or a reset, not a hang", function()
    local l = assert(lsock.socket("inet", "stream"))
    assert(l:bind("127.0.0.1", 0))
    assert(l:listen(4))
    l:settimeout(10)
    local port = l:getsockname().port
    local code = tmpfile(([[
      local lsock = require "lsock"
      local c = assert(lsock.socket("inet", "stream"))
      assert(c:connect("127.0.0.1", %d))
      assert(c:sendall("hello"))
      assert(c:recv(5))
      local f = assert(io.open("/proc/self/stat"))
      local pid = f:read("n")
      f:close()
      -- Crash with data still unread in the socket: the kernel resets.
      os.execute("kill -SEGV " .. pid)
      local t = os.time()
      while os.time() - t < 10 do end
      os.exit(3)
    ]]):format(port))
    -- exec: the shell's status is the child's own (killed by SIGSEGV).
    local p = io.popen("exec lua5.4 " .. code .. " 2>&1")
    local s = assert(l:accept())
    s:settimeout(10)
    assert.equal("hello", s:recv(5))
    assert(s:sendall("12345" .. "unread"))
    local d, msg, e = s:recv(10)
    assert.is_true(d == "" or e == E.ECONNRESET, msg)
    local _, how, code2 = p:close()
    assert.equal("signal", how)
    -- SIGSEGV; under make test-asan, ASan catches it and aborts (SIGABRT).
    assert.is_true(code2 == 11 or (os.getenv("LD_PRELOAD") and code2 == 6))
    s:close()
    l:close()
  end)
end)

describe("a lossy, reordering relay between two namespaces", function()
  local net
  after_each(function()
    if net then net:destroy() end
    net = nil
    netns.cleanup()
  end)

  -- The relay (host b) forwards UDP between the client in host a and the
  -- receiver on b's loopback, dropping about 20% of the datagrams each way
  -- and holding back about 10% to send after the next one (reordering).
  local RELAY = [[
import random, select, socket, sys
random.seed(int(sys.argv[2]))
up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
up.bind(("10.99.0.2", 0))
down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
down.bind(("127.0.0.1", 0))
target = ("127.0.0.1", int(sys.argv[1]))
print(up.getsockname()[1], flush=True)
client, held, dropped, reordered = None, {}, 0, 0
while True:
    r, _, _ = select.select([up, down], [], [], 5)
    if not r:
        break
    for s in r:
        data, addr = s.recvfrom(65536)
        if data == b"quit":
            print("dropped", dropped, "reordered", reordered, flush=True)
            sys.exit(0)
        if s is up:
            client, out, dst = addr, down, target
        else:
            out, dst = up, client
        x = random.random()
        if x < 0.2:
            dropped += 1
            continue
        if x < 0.3 and s not in held:
            held[s] = (out, data, dst)
            reordered += 1
            continue
        out.sendto(data, dst)
        if s in held:
            o, d, t = held.pop(s)
            o.sendto(d, t)
]]

  -- Stop-and-wait over the relay: every chunk is retransmitted until its
  -- acknowledgement comes back; duplicates and stale acks are ignored.
  local RECEIVER = [[
    local lsock = require "lsock"
    local function fnv(s)  -- FNV-1a, 32 bits: order and content
      local h = 2166136261
      for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
      return h
    end
    local r = assert(lsock.socket("inet", "dgram"))
    assert(r:bind("127.0.0.1", 0))
    print(r:getsockname().port)
    io.stdout:flush()
    r:settimeout(20)
    local want, parts = 1, {}
    while true do
      local d, from = r:recvfrom(2000)
      assert(d, from)
      local seq, body = d:match("^(%d+):(.*)$")
      seq = tonumber(seq)
      if seq == 0 then break end
      if seq == want then
        parts[#parts + 1] = body
        want = want + 1
      end
      assert(r:sendto("ack:" .. seq, from))
    end
    local all = table.concat(parts)
    print("received", #parts, #all, fnv(all))
  ]]

  local SENDER = [[
    local lsock = require "lsock"
    local function fnv(s)  -- FNV-1a, 32 bits: order and content
      local h = 2166136261
      for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
      return h
    end
    local relay, N = arg[1], tonumber(arg[2])
    local s = assert(lsock.socket("inet", "dgram"))
    assert(s:connect("10.99.0.2", tonumber(relay)))
    s:settimeout(0.01)
    math.randomseed(7)
    local parts, retries = {}, 0
    for seq = 1, N do
      local body = {}
      for i = 1, math.random(1, 1200) do body[i] = string.char(math.random(0, 255)) end
      body = table.concat(body)
      parts[seq] = body
      local acked = false
      for _ = 1, 500 do
        assert(s:send(seq .. ":" .. body))
        while true do
          local d, msg = s:recv(100)
          if not d then
            assert(msg == "timeout", msg)
            break
          end
          if d == "ack:" .. seq then acked = true break end
        end
        if acked then break end
        retries = retries + 1
      end
      assert(acked, "chunk " .. seq .. " never acknowledged")
    end
    for _ = 1, 20 do s:send("0:") end
    local all = table.concat(parts)
    print("sent", N, #all, fnv(all), "retries", retries)
  ]]

  it("stop-and-wait over the relay delivers every byte once and in order", function()
    net = netns.pair()
    local recv = net:lua("b", RECEIVER)
    local rport = assert(recv:line())
    local relay = net:python("b", RELAY, { rport, "42" })
    local port = assert(relay:line())
    local out, ok = net:lua("a", SENDER, { port, "300" }):finish()
    assert(ok, out)
    local n, len, sum, retries = out:match("sent\t(%d+)\t(%d+)\t(%S+)\tretries\t(%d+)")
    assert.is_not_nil(n, out)
    local rout = recv:finish()
    local rn, rlen, rsum = rout:match("received\t(%d+)\t(%d+)\t(%S+)")
    assert.equal(n, rn, rout)
    assert.equal(len, rlen)
    assert.equal(sum, rsum)
    assert.is_true(tonumber(retries) > 0, "the relay lost nothing")
    net:exec("b", ("python3 -c %s"):format(netns.quote(
      "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
      .. "s.sendto(b'quit', ('10.99.0.2', " .. port .. "))")))
    local rel = relay:finish()
    local dropped, reordered = rel:match("dropped (%d+) reordered (%d+)")
    assert.is_true(tonumber(dropped) > 0 and tonumber(reordered) > 0, rel)
  end)
end)
