-- lsock.tls and a TLS 1.2 server that renegotiates: openssl s_server's
-- "r" command (a line of its stdin) sends a HelloRequest while our client
-- waits in recv, so that read has to write a ClientHello and finish a
-- second handshake before the data after it arrives.  On 127.0.0.1, with
-- certificates made at run time (spec/support_tls.lua).
local helper = require "helper"
local support = require "support_tls"
local lsock = helper.lsock
local tls = require "lsock.tls"

local function defer(fn) helper.defer(finally, fn) end

teardown(function() support.cleanup() end)

describe("lsock.tls with a server that renegotiates (TLS 1.2)", function()
  local certs
  setup(function() certs = support.certs() end)

  for _, mode in ipairs { "blocking", "timeout 0 with want()" } do
    it("goes on through a server-initiated renegotiation, " .. mode, function()
      -- After the client's first line the server renegotiates, then sends
      -- "after"; the client reads until it has it.
      local p, port = support.s_server(("-tls1_2 -cert %s -key %s")
        :format(certs.server, certs.server_key),
        "sleep 1.5; printf 'r\\n'; sleep 1; printf 'after\\n'; sleep 5")
      defer(function() p:cleanup() end)
      local c = assert(tls.connect("127.0.0.1", port, { cafile = certs.ca,
        servername = "localhost", timeout = helper.T }))
      defer(function() c:close() end)
      assert.equal("TLSv1.2", c:version())
      assert.equal(6, c:sendall("hello\n"))
      if mode ~= "blocking" then c:settimeout(0) end
      local got, waits = "", 0
      local deadline = helper.now() + 10
      while not got:find("after\n", 1, true) and helper.now() < deadline do
        local d, msg, err = c:recv(100)
        if d then
          assert.not_equal("", d, "the server closed")
          got = got .. d
        else
          -- Only "not yet" is acceptable here, never an error.
          assert.equal(lsock.errno.EAGAIN, err, msg)
          waits = waits + 1
          local want = c:want()
          assert.is_true(want == "r" or want == "w", tostring(want))
          lsock.select(want == "r" and { c } or {}, want == "w" and { c } or {}, 1)
        end
      end
      assert.equal("after\n", got)
      if mode ~= "blocking" then assert.is_true(waits > 0) end
      -- The server's blocking SSL_do_handshake returned 1: the second
      -- handshake was finished, by our recv.
      local out = {}
      for _ = 1, 50 do
        local line = p:line()
        if line == nil then break end
        out[#out + 1] = line
        if line:find("^SSL_do_handshake") then break end
      end
      assert.matches("SSL_do_handshake %-> 1", table.concat(out, "\n"))
      -- and the connection still carries data both ways
      assert.equal(4, c:sendall("bye\n"))
    end)
  end
end)
