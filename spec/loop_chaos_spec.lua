-- Issue 14: the loop chaos run (bench/fuzz/loop_chaos.lua), seeded and
-- bounded: random tasks that read, write, sleep, raise, are cancelled or
-- closed, close their socket or wrapper, unwrap, fork and drop
-- references.  After each seed run() returned by itself, no task waits,
-- nothing stays registered and no descriptor is left open.  `make fuzz`
-- runs more seeds under ASan.
package.path = "./bench/fuzz/?.lua;" .. package.path
local chaos = require "loop_chaos"

describe("lsock.loop chaos", function()
  it("issue 14: 25 seeded chaos runs end clean (run returns, no fd, no waiter left)", function()
    local ok, msg = chaos.run(25, 1)
    assert(ok, msg)
  end)
end)
