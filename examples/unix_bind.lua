-- unix_bind.lua: bind a Unix-domain stream socket to a path and show the
-- address the system reports for it (getsockname).  A path starting with
-- "@" names a socket in Linux's abstract namespace, which has no file.
-- The socket file is removed on exit; binding to an existing file fails
-- with "Address already in use", as in C.
--
--   lua5.4 examples/unix_bind.lua /tmp/demo.sock
--   lua5.4 examples/unix_bind.lua @demo
-- While it waits (-w seconds), connect to it:  nc -U /tmp/demo.sock
-- or:  python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect("/tmp/demo.sock")'
local lsock = require "lsock"

local USAGE = [[
usage: unix_bind.lua [-w seconds] [path]
  path        where to bind (default /tmp/lsock_unix_bind.sock); @name is abstract
  -w seconds  wait that long for one client before exiting (default 0)]]

local function usage(ok)
  local out = ok and io.stdout or io.stderr
  out:write(USAGE, "\n")
  os.exit(ok and 0 or 2)
end

local path, wait = nil, 0
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then usage(true)
  elseif a == "-w" then
    i = i + 1
    wait = tonumber(arg[i])
    if not wait or wait < 0 then usage(false) end
  elseif a ~= "" and a:sub(1, 1) ~= "-" and not path then
    path = a
  else
    usage(false)
  end
  i = i + 1
end

path = path or "/tmp/lsock_unix_bind.sock"
io.stdout:setvbuf("line")

local abstract = path:sub(1, 1) == "@"
local name = abstract and "\0" .. path:sub(2) or path
if #name > 107 then
  io.stderr:write("unix_bind: path too long (at most 107 bytes)\n")
  os.exit(1)
end

local s = assert(lsock.socket("unix", "stream"))
local ok, msg = s:bind(name)
if not ok then
  io.stderr:write("bind: ", msg, "\n")
  os.exit(1)
end

if wait > 0 then assert(s:listen(1)) end -- before telling anyone the address

local addr = s:getsockname()
-- An abstract name starts with a NUL byte; show it as "@", like ss(8) does.
print((addr.path:gsub("%z", "@")))
print(("family %s, %d bytes of sun_path, %s"):format(addr.family, #addr.path,
  abstract and "abstract namespace (no file)" or "a socket file on disk"))

if wait > 0 then
  s:settimeout(wait)
  local conn, peer = s:accept()
  if conn then
    print("a client connected" .. (peer.path ~= "" and " from " .. peer.path or ""))
    conn:close()
  else
    print("no client: " .. peer)
  end
end

s:close()
if not abstract then os.remove(path) end
