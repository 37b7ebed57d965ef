--- lsock.unix: unix-domain listeners and clients in one call.
-- `listen` replaces a socket file left behind by a dead server, and only
-- that: a path where something still listens, or a file that is not a
-- socket, gives `nil, msg, EADDRINUSE` and is left alone.
-- @usage local l = assert(lsock.unix.listen("/tmp/x.sock"))
-- local c = assert(lsock.unix.connect("/tmp/x.sock"))
-- @module lsock.unix
local lsock = require "lsock"

local EADDRINUSE = lsock.errno.EADDRINUSE

local util = require "lsock.util"
local checktype = util.checktype
local wait = require "lsock.waitfor"

local M = {}

local TYPES = { "string|integer", oneof = { "stream", "dgram", "seqpacket" } }
local TIMEOUT = { "number", min = 0 }
-- listen(2) takes a C int: a backlog beyond it raised from s:listen, after
-- the socket file was made (found by the API fuzzer's mutating opts).
local BACKLOG = { "integer", min = 0, max = 2147483647 }
local LISTEN_OPTS = { type = TYPES, backlog = BACKLOG, timeout = TIMEOUT }
local CONNECT_OPTS = { type = TYPES, timeout = TIMEOUT }

--- A listening (stream, seqpacket) or bound (dgram) unix socket.
-- @tparam string path the socket file (a leading `"\0"`: abstract name)
-- @tparam[opt] table opts `type` ("stream" (default), "dgram",
--   "seqpacket"), `backlog` (integer, 0 to 2^31 - 1), `timeout` (seconds
--   >= 0, for later calls); any other key raises
-- @return the socket, or nil, msg, errno (EADDRINUSE when a live socket
--   or another file is at path)
-- @see unix(7), bind(2)
-- @usage local srv = assert(lsock.unix.listen("/tmp/app.sock"))
function M.listen(path, opts)
  checktype(path, "string", 1, "listen")
  opts = util.checkopts(opts, LISTEN_OPTS, 2, "listen")
  local stype = opts.type or "stream"
  local plan = {
    function(s)
      local ok, msg, code = s:bind(path)
      if not ok and code == EADDRINUSE and path:sub(1, 1) ~= "\0"
         and util.stalesocket(path, stype) then
        os.remove(path)
        ok, msg, code = s:bind(path)
      end
      return ok, msg, code
    end,
  }
  if stype ~= "dgram" and stype ~= lsock.SOCK_DGRAM then
    plan[2] = util.step("listen", opts.backlog)
  end
  if opts.timeout then plan[#plan + 1] = util.step("settimeout", opts.timeout) end
  return util.build("unix", stype, plan)
end

--- A unix socket connected to path.
-- @tparam string path the server's socket file or abstract name
-- @tparam[opt] table opts `type` ("stream" (default), "dgram",
--   "seqpacket"), `timeout` (seconds >= 0: for the connect and later
--   calls); any other key raises
-- @return the socket, or nil, msg, errno (ENOENT, ECONNREFUSED...)
-- @see unix(7), connect(2)
-- @usage local s = assert(lsock.unix.connect("/tmp/app.sock"))
function M.connect(path, opts)
  checktype(path, "string", 1, "connect")
  opts = util.checkopts(opts, CONNECT_OPTS, 2, "connect")
  -- The connect yields inside a loop task (lsock.waitfor).
  local plan = {}
  if opts.timeout then plan[1] = util.step("settimeout", opts.timeout) end
  plan[#plan + 1] = function(s) return wait.connect(s, path) end
  return util.build("unix", opts.type or "stream", plan)
end

return M
