-- bench/tls_bench.lua: lsock.tls (and LuaSec, when installed) on the
-- workloads of bench/tls_bench.c, a forked client against the parent
-- server over 127.0.0.1, timed on the server as the C program is.
--   lua5.4 bench/tls_bench.lua lsock|luasec bulk CERT KEY MIB
--   lua5.4 bench/tls_bench.lua lsock|luasec hs CERT KEY COUNT
--   lua5.4 bench/tls_bench.lua lsock|luasec full|resumed CERT KEY COUNT
-- (full: COUNT full handshakes only; resumed: one full, then COUNT
-- resumed; bench/tls_profile.sh counts their instructions apart.)
-- Same settings as the C program: TLS 1.3, TLS_AES_128_GCM_SHA256, the
-- client verifies CERT and the name localhost, TCP_NODELAY both ends.
-- bench/tls.sh runs it all under taskset -c 0 and writes the table.
local impl, mode, cert, key, n = arg[1], arg[2], arg[3], arg[4], tonumber(arg[5])
local lsock = require "lsock"
local now = lsock.monotime
local PIECE = ("x"):rep(65536)

local function lsock_side()
  local tls = lsock.tls
  local side = {}
  local sctx = assert(tls.context { mode = "server", certfile = cert, keyfile = key,
    minversion = "tls1.3", ciphersuites = "TLS_AES_128_GCM_SHA256" })
  local cctx
  function side.listen()
    local l = assert(lsock.tcp.listen("127.0.0.1", 0))
    return l, l:getsockname().port
  end
  function side.accept(l)
    local s = assert(l:accept())
    s:setsockopt("tcp", "nodelay", true)
    local c = tls.wrap(s, sctx)
    assert(c:handshake())
    return c
  end
  function side.connect(port, sess)
    cctx = cctx or assert(tls.context { cafile = cert, minversion = "tls1.3",
      ciphersuites = "TLS_AES_128_GCM_SHA256" })
    -- By address, as the C client connects (no getaddrinfo of a name).
    return assert(tls.connect("127.0.0.1", port, { context = cctx, nodelay = true,
                                                   servername = "localhost", session = sess }))
  end
  function side.send(c, data) assert(c:sendall(data)) end
  function side.recv(c, k) return assert(c:recv(k)) end
  function side.session(c) return c:session() end
  function side.resumed(c) return c:resumed() end
  function side.close(c) c:close() end
  return side
end

local function luasec_side()
  local socket = require "socket"
  local ssl = require "ssl"
  local side = {}
  local sparams = { mode = "server", protocol = "tlsv1_3", certificate = cert, key = key,
    ciphersuites = "TLS_AES_128_GCM_SHA256", options = "all" }
  local cparams = { mode = "client", protocol = "tlsv1_3", cafile = cert, verify = "peer",
    ciphersuites = "TLS_AES_128_GCM_SHA256", options = "all" }
  local sctx = assert(ssl.newcontext(sparams))
  local cctx
  function side.listen()
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    return l, tonumber(port)
  end
  function side.accept(l)
    local s = assert(l:accept())
    s:setoption("tcp-nodelay", true)
    local c = assert(ssl.wrap(s, sctx))
    assert(c:dohandshake())
    return c
  end
  function side.connect(port, sess)
    cctx = cctx or assert(ssl.newcontext(cparams))
    local s = assert(socket.connect("127.0.0.1", port))
    s:setoption("tcp-nodelay", true)
    local c = assert(ssl.wrap(s, cctx))
    c:sni("localhost")
    if sess then c:setsession(sess) end   -- LuaSec has no session API: nil
    assert(c:dohandshake())
    return c
  end
  function side.send(c, data) assert(c:send(data)) end
  function side.recv(c, k) return assert(c:receive(k)) end
  function side.session() return nil end
  function side.resumed() return false end
  function side.close(c) c:close() end
  return side
end

local side = impl == "luasec" and luasec_side() or lsock_side()
-- The handshakes of each round: hs n full then n resumed; full n full;
-- resumed one full (for its ticket) then n resumed.
local rounds = { mode == "resumed" and 1 or n, mode == "full" and 0 or n }
local l, port = side.listen()
local pid = assert(lsock.fork())
if pid == 0 then
  if mode == "bulk" then
    local c = side.connect(port)
    for _ = 1, n * 16 do side.send(c, PIECE) end
    side.recv(c, 1)
    side.close(c)
  else
    local sess
    for round = 1, 2 do
      for _ = 1, rounds[round] do
        local c = side.connect(port, round == 2 and sess or nil)
        side.recv(c, 1)
        if round == 1 and not sess then sess = side.session(c) end
        if round == 2 and sess then assert(side.resumed(c), "not resumed") end
        side.close(c)
      end
    end
  end
  os.exit(0)
end

if mode == "bulk" then
  local total, got = n * 1024 * 1024, 0
  local t0 = now()
  local c = side.accept(l)
  while got < total do got = got + #side.recv(c, impl == "luasec" and 65536 or 65536) end
  local t1 = now()
  side.send(c, "d")
  side.close(c)
  print(("bulk %.4f"):format(t1 - t0))
else
  local t0, tf = now(), nil
  for round = 1, 2 do
    for _ = 1, rounds[round] do
      local c = side.accept(l)
      side.send(c, "h")
      pcall(side.recv, c, 1)   -- until the client closes
      side.close(c)
    end
    if round == 1 then tf = now() - t0; t0 = now() end
  end
  if mode == "hs" then print(("hs %.4f %.4f"):format(tf, now() - t0))
  elseif mode == "full" then print(("full %.4f"):format(tf))
  else print(("resumed %.4f"):format(now() - t0)) end
end
lsock.wait(pid)
