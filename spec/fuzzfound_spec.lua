-- Regressions found by the API fuzzer (bench/fuzz/api.lua) and the
-- libFuzzer harness (fuzz/): each case once crashed or tripped a sanitizer
-- under `make test-asan`; now each gives a result or a Lua error.
local lsock = require "lsock"

describe("fuzzer findings", function()
  it("sendmmsg of an empty array sends nothing and returns 0", function()
    local a, b = lsock.socketpair("unix", "dgram")
    assert.equal(0, a:sendmmsg({}))
    b:settimeout(0)
    local d, _, e = b:recv(10)
    assert.is_nil(d)
    assert.equal(lsock.errno.EAGAIN, e)
    a:close()
    b:close()
  end)

  it("the stream buffer takes an empty append before any data", function()
    local buf = require("lsock.core")._stream.buffer(64)
    buf:append("")
    assert.equal(0, buf:len())
    buf:append("ab\n")
    assert.equal("ab", buf:line(true))
  end)

  it("the stream buffer is usable after an explicit __gc with a mark", function()
    local buf = require("lsock.core")._stream.buffer(64)
    buf:append("abc")
    buf:take(2)
    buf:setmark()
    getmetatable(buf).__gc(buf)
    buf:append("x\n")
    assert.equal(2, buf:len())
    assert.equal("x", buf:line(true))
  end)

  it("sendmsg raises when a metamethod grows an ancillary item midway", function()
    -- Found in the security review: encoding sized the items first, then
    -- wrote them; an __index run by item 1 could grow item 2 in between
    -- and the write overflowed the control buffer.
    local a, b = lsock.socketpair("unix", "dgram")
    local items
    items = {
      { "socket", "credentials", setmetatable({}, { __index = function()
          local fds = {}
          for i = 1, 4000 do fds[i] = 0 end
          items[2][3] = fds
        end }) },
      { "socket", "rights", { 0 } },
    }
    local ok, err = pcall(a.sendmsg, a, "x", items)
    assert.is_false(ok)
    assert.matches("changed while being encoded", err)
    a:close()
    b:close()
  end)

  it("recvmmsg refuses a size whose product with the count wraps round", function()
    -- Found in the security review: 4 * 2^62 wrapped to 0, passed the
    -- limit, and the datagrams were received past the scratch buffer.
    local a, b = lsock.socketpair("unix", "dgram")
    assert(a:send(string.rep("A", 3000)))
    local ok, err = pcall(b.recvmmsg, b, 4, 1 << 62)
    assert.is_false(ok)
    assert.matches("size out of range", err)
    b:settimeout(1)
    local ds = assert(b:recvmmsg(4, 4000))
    assert.equal(string.rep("A", 3000), ds[1])
    a:close()
    b:close()
  end)

  it("select keeps to the lengths it sized for when fileno grows a table", function()
    -- Found in review: collect and results re-read the table lengths after
    -- Lua code ran, and wrote and read past the pollfd buffer.
    local a, b = lsock.socketpair("unix", "stream")
    assert(b:send("x"))
    local w = {}
    local obj = { fileno = function()
      for _ = 1, 500 do w[#w + 1] = a end
      return a:fileno()
    end }
    local r = assert(lsock.select({ obj }, w, 0))
    assert.equal(obj, r[1])
    local grow = {}
    grow[1] = { fileno = function()
      for _ = 1, 500 do grow[#grow + 1] = a end
      return a:fileno()
    end }
    r = assert(lsock.select(grow, {}, 0))
    assert.equal(1, #r)
    a:close()
    b:close()
  end)

  it("poller:add of a descriptor that is not open fails before growing", function()
    -- Found in review: p:add(100000000) zeroed a 1.5 GB slot array first.
    for _, backend in ipairs { "epoll", "poll" } do
      local p <close> = lsock.poller(backend)
      local ok, _, err = p:add(100000000, "r")
      assert.is_nil(ok)
      assert.equal(lsock.errno.EBADF, err)
    end
  end)
end)
