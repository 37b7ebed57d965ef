#!/usr/bin/env python3
"""Echo servers under C concurrent request/response connections.

Each implementation (plain C epoll, lsock's coroutine server, LuaSocket +
select, luv, cqueues) serves the same workload from bench/loadgen.c; the
server runs on CPU 0 and the load generator on CPU 1 (taskset), and the
implementations take turns within each round so that a change in the
machine's load hits them all alike.  Reports the median round trips per
second, and the server's CPU time per round trip, each as a ratio to C.

usage: python3 bench/servers.py [--conns 100,2000,10000] [--seconds 5]
         [--rounds 3] [--msgsize 64] [--impls c,lsock,luasocket,luv,cqueues]
         (an impl may also be label:file.lua, a Lua server to compare)
Run it through `make bench-servers` (it builds the C programs first).
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

BUILD = "build/bench"
IMPLS = {
    "c": [BUILD + "/echo_epoll"],
    "lsock": ["lua5.4", "bench/echo_lsock.lua"],
    "luasocket": ["lua5.4", "bench/echo_luasocket.lua"],
    "luv": ["lua5.4", "bench/echo_luv.lua"],
    "cqueues": ["lua5.4", "bench/echo_cqueues.lua"],
}
TICK = os.sysconf("SC_CLK_TCK")


def raise_nofile(n):
    """For one child only: enough descriptors for n connections."""
    def pre():
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, max(soft, n + 256))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return pre


def cputime(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICK


def command(impl):
    """A name from IMPLS, or label:file.lua for a variant to compare."""
    if impl in IMPLS:
        return IMPLS[impl]
    return ["lua5.4", impl.split(":", 1)[1]]


def run_one(impl, conns, seconds, msgsize, cpus):
    cmd = ["taskset", "-c", cpus[0]] + command(impl)
    srv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=raise_nofile(conns), text=True)
    try:
        line = srv.stdout.readline().strip()
        if not line:
            return {"error": "server did not start: " + srv.stderr.read()[-300:]}
        port = line.rsplit(":", 1)[1]
        cpu0 = cputime(srv.pid)
        gen = subprocess.run(
            ["taskset", "-c", cpus[1], BUILD + "/loadgen", "127.0.0.1", port,
             str(conns), str(seconds), str(msgsize), "1"],
            capture_output=True, text=True, preexec_fn=raise_nofile(conns),
            timeout=seconds + 120)
        alive = srv.poll() is None
        cpu = cputime(srv.pid) - cpu0 if alive else None
        fields = dict(kv.split("=") for kv in gen.stdout.split() if "=" in kv)
        if gen.returncode != 0 or not alive:
            srv.kill()
            err = srv.stderr.read() if not alive else ""
            if alive:
                srv.wait()
                err = srv.stderr.read()
            msg = (gen.stderr.strip() or gen.stdout.strip())[-200:]
            return {"error": "loadgen: %s; server: %s" % (msg, err.strip()[-200:])}
        rt = int(fields["round_trips"])
        # CPU ms per 1000 round trips (warm-up and connecting included)
        return {"rps": float(fields["rtt_per_s"]), "cpu_per_krt":
                1e6 * cpu / max(1, rt)}
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conns", default="100,2000,10000")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--msgsize", type=int, default=64)
    ap.add_argument("--impls", default="c,lsock,luasocket,luv,cqueues")
    ap.add_argument("--cpus", default="0,1")
    a = ap.parse_args()
    conns = [int(c) for c in a.conns.split(",")]
    impls = a.impls.split(",")
    cpus = a.cpus.split(",")
    results = {}
    for r in range(a.rounds):
        for c in conns:
            # rotate the order each round: nobody always goes first
            order = impls[r % len(impls):] + impls[:r % len(impls)]
            for impl in order:
                res = run_one(impl, c, a.seconds, a.msgsize, cpus)
                results.setdefault((impl, c), []).append(res)
                print("round %d C=%d %-9s %s" % (r + 1, c, impl, res),
                      file=sys.stderr, flush=True)
                time.sleep(0.5)
    print("| C | server | round trips/s (median) | ratio to C | "
          "server CPU ms per 1000 round trips | C's CPU / its CPU | runs |")
    print("|---|---|---|---|---|---|---|")
    for c in conns:
        base = [x for x in results.get(("c", c), []) if "rps" in x]
        base_rps = statistics.median(x["rps"] for x in base) if base else None
        base_cpu = statistics.median(x["cpu_per_krt"] for x in base) if base else None
        for impl in impls:
            runs = results[(impl, c)]
            ok = [x for x in runs if "rps" in x]
            if not ok:
                print("| %d | %s | failed: %s | | | | 0/%d |" % (
                    c, impl.split(":")[0],
                    " ".join(runs[0]["error"].replace("|", "/").split())[:160],
                    len(runs)))
                continue
            rps = statistics.median(x["rps"] for x in ok)
            cpu = statistics.median(x["cpu_per_krt"] for x in ok)
            print("| %d | %s | %.0f | %s | %.1f | %s | %d/%d |" % (
                c, impl.split(":")[0], rps,
                "%.2fx" % (rps / base_rps) if base_rps else "-",
                cpu, "%.2fx" % (base_cpu / cpu) if base_cpu and cpu else "-",
                len(ok), len(runs)))


if __name__ == "__main__":
    main()
