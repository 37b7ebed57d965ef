-- The guides (doc/guide.md, doc/guide.fr.md) copy the example programs
-- verbatim; this fails when a copy drifts from examples/ (run `make
-- guide`), when the two editions show different programs, or when a
-- program shown is not run by any spec.  Also runs examples/sockopts.lua,
-- the options step's program.
local helper = require "helper"
local guide = dofile("tools/guide.lua")

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a"); f:close(); return s
end

local function specs_text()
  local p = io.popen("ls spec/*_spec.lua")
  local all = {}
  for path in p:lines() do
    if path ~= "spec/guide_spec.lua" then all[#all + 1] = readfile(path) end
  end
  p:close()
  return table.concat(all, "\n")
end

describe("the guides", function()
  local en, fr = readfile("doc/guide.md"), readfile("doc/guide.fr.md")

  for _, case in ipairs { { "doc/guide.md", en }, { "doc/guide.fr.md", fr } } do
    it(case[1] .. " shows each example exactly as it is in examples/", function()
      local fresh, files = guide.render(case[2])
      assert.truthy(#files >= 20, "too few programs included")
      assert.equal(fresh, case[2], case[1] .. " is stale: run make guide")
    end)
  end

  it("shows the same programs in the same order in both editions", function()
    local _, a = guide.render(en)
    local _, b = guide.render(fr)
    assert.same(a, b)
  end)

  it("shows only programs that a spec runs", function()
    local _, files = guide.render(en)
    local specs = specs_text() .. readfile("spec/guide_spec.lua"):match("describe%(\"examples/.*")
    local unrun = {}
    for _, path in ipairs(files) do
      local name = path:match("examples/(.+)$")
      if not specs:find(name, 1, true) then unrun[#unrun + 1] = name end
    end
    assert.same({}, unrun)
  end)

  it("follows the course: addresses, UDP, TCP, clients, options, multicast, IPv6, unix, I/O",
    function()
      local order = { "name2ip.lua", "udp_counter_server.lua", "tcp_uppercase_server.lua",
        "tcp_fork_server.lua", "select_stdin_server.lua", "chat_server.lua", "sockopts.lua",
        "multicast_server.lua", "dualstack_server.lua", "unix_bind.lua", "udp_pktinfo.lua" }
      for _, text in ipairs { en, fr } do
        local last = 0
        for _, name in ipairs(order) do
          local at = text:find("<!-- include: examples/" .. name, 1, true)
          assert.truthy(at and at > last, name)
          last = at
        end
      end
    end)
end)

describe("examples/sockopts.lua", function()
  local function run(...)
    local p = helper.example("sockopts.lua", { ... })
    local out, code = p:finish()
    local err = p:stderr()
    p:cleanup()
    return out, code, err
  end

  it("prints a fresh TCP and UDP socket's options, typed", function()
    local out, code, err = run()
    assert.equal(0, code, err)
    assert.truthy(out:find("\nsocket%s+type%s+1%s+2\n"), out)
    assert.truthy(out:find("\nsocket%s+reuseaddr%s+false%s+false\n"), out)
    assert.truthy(out:find("\nsocket%s+linger%s+{onoff=false, linger=0}"), out)
    assert.truthy(out:find("\ntcp%s+nodelay%s+false%s+%-\n"), out)
  end)

  it("sets NAME=VALUE and shows what the kernel made of it", function()
    local out, code, err = run("rcvbuf=100000", "nodelay=true", "udp.ttl=5")
    assert.equal(0, code, err)
    local rcv = math.tointeger(tonumber(out:match("\nsocket%s+rcvbuf%s+(%d+)")))
    assert.truthy(rcv and rcv >= 100000, out) -- Linux doubles it
    assert.truthy(out:find("\ntcp%s+nodelay%s+true"), out)
    assert.truthy(out:find("\nip%s+ttl%s+64%s+5\n"), out)
  end)

  it("prints its usage on -h and on a bad option", function()
    local out, code = run("-h")
    assert.equal(0, code)
    assert.truthy(out:find("^usage: sockopts%.lua"))
    local out2, code2, err2 = run("bogus=1")
    assert.equal(2, code2)
    assert.equal("", out2)
    assert.truthy(err2:find("usage: sockopts.lua", 1, true))
  end)
end)
