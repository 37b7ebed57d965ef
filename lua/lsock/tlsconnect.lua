-- tls.connect, the policy half of lsock.tls (its C module calls this):
-- lsock.tcp.connect, then tls.wrap, then the handshake, with one timeout
-- for the connect and the handshake that stays the connection's.
-- Internal: the public function is lsock.tls.connect.
local tls = require "lsock.tls"
local tcp = require "lsock.tcp"
local util = require "lsock.util"
local now = require("lsock.core").monotime

local TCP_KEYS = { timeout = true, family = true, localaddr = true,
                   ["local"] = true, nodelay = true }
local WRAP_KEYS = { servername = true, checkname = true, session = true }
local CTX_KEYS = { verify = true, cafile = true, capath = true,
                   certfile = true, keyfile = true, password = true,
                   alpn = true, minversion = true, maxversion = true,
                   ciphers = true, ciphersuites = true }

-- One client context per process for tls.connect without context keys:
-- the system store, made on first use.
local default

return function(host, port, opts)
  -- host is what tcp.connect takes (a name, a sockaddr or an array of
  -- them: the Happy Eyeballs candidates); only a string names the peer.
  util.checktype(host, "string|lsock.sockaddr|table", 1, "connect")
  util.checktype(opts, "table|nil", 3, "connect")
  local topts, wopts, copts, ctx = {}, {}, nil, nil
  for k, v in next, opts or {} do
    if TCP_KEYS[k] then topts[k] = v
    elseif WRAP_KEYS[k] then wopts[k] = v
    elseif CTX_KEYS[k] then copts = copts or {}; copts[k] = v
    elseif k == "context" then ctx = util.checktype(v, "lsock.tls.context", 3, "connect")
    else util.argerror(3, "connect", ("unknown option '%s'"):format(tostring(k))) end
  end
  if ctx and copts then
    util.argerror(3, "connect", "give either context or the keys of tls.context")
  end
  if not ctx then
    if copts then
      local msg, code
      ctx, msg, code = tls.context(copts)
      if not ctx then return nil, msg, code end
    else
      default = default or assert(tls.context())
      ctx = default
    end
  end
  if wopts.servername == nil and type(host) == "string" then
    wopts.servername = host
  end
  local deadline = topts.timeout and now() + topts.timeout
  local s, msg, code = tcp.connect(host, port, topts)
  if not s then return nil, msg, code end
  -- Inside a loop task the connection yields (tls.wrap of a wrapped
  -- socket); the loop can only be running if it was loaded.
  local loop = package.loaded["lsock.loop"]
  if loop and loop.intask() then s = loop.wrap(s) end
  local c = tls.wrap(s, ctx, wopts)
  if deadline then c:settimeout(math.max(0, deadline - now())) end
  local ok
  ok, msg, code = c:handshake()
  if not ok then
    c:close()
    return nil, msg, code
  end
  c:settimeout(topts.timeout)
  return c
end
