#!/usr/bin/env python3
"""Lines per second read from loopback TCP: lsock.stream against LuaSocket's
receive("*l") and C fgets on fdopen (issue 7).

Usage: python3 bench/lines.py [--lines N] [--trials K]   (run by
`make bench-lines` from the repository root).  For each trial and reader,
this process listens on 127.0.0.1 port 0, starts the reader with the port,
accepts it and sends N lines of 64 bytes (63 letters and LF) in one
sendall from a thread.  The time runs from the accept to the reader's
report, which it prints once it has met end of stream.  Readers run in
turn within each trial so that load from other processes hits all alike;
the table gives medians.
"""
import argparse
import os
import platform
import socket
import statistics
import subprocess
import threading
import time

READERS = [
    ("C fgets on fdopen", ["build/bench/lines_fgets", None]),
    ("LuaSocket receive(\"*l\")", ["lua5.4", "bench/lines_luasocket.lua", None]),
    # The same LuaSocket script, unchanged, on lsock.compat.
    ("that script on lsock.compat", ["lua5.4", "-e", "require('lsock.compat').install()",
                                     "bench/lines_luasocket.lua", None]),
    ("lsock.stream read(\"l\")", ["lua5.4", "bench/lines_lsock.lua", None, "read"]),
    ("lsock.stream lines()", ["lua5.4", "bench/lines_lsock.lua", None, "lines"]),
]


def payload(n):
    line = (b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + b"_\n")
    assert len(line) == 64
    return line * n


def trial(cmd, data, nlines, env=None):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(30)
    port = srv.getsockname()[1]
    argv = [str(port) if a is None else a for a in cmd]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    try:
        conn, _ = srv.accept()
        t0 = time.monotonic()
        sender = threading.Thread(target=lambda: (conn.sendall(data), conn.close()))
        sender.start()
        out = proc.stdout.readline()
        t1 = time.monotonic()
        sender.join(30)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        srv.close()
    lines, nbytes, cpu = out.split()
    if int(lines) != nlines or int(nbytes) != len(data):
        raise SystemExit("%s read %s lines, %s bytes" % (argv, lines, nbytes))
    return nlines / (t1 - t0), float(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--trials", type=int, default=7)
    ap.add_argument("--lua-only", metavar="DIR",
                    help="also run lines() with DIR/lsock/stream.lua, e.g. the "
                    "all-Lua version: git show e03d523:lua/lsock/stream.lua")
    args = ap.parse_args()
    data = payload(args.lines)
    readers = [(name, cmd, None) for name, cmd in READERS]
    if args.lua_only:
        env = dict(os.environ)
        env["LUA_PATH"] = "%s/?.lua;%s" % (args.lua_only, env.get("LUA_PATH", ";;"))
        for how in ("read", "lines"):
            readers.append(("all-Lua stream %s" % how,
                            ["lua5.4", "bench/lines_lsock.lua", None, how], env))
    results = {name: [] for name, _, _ in readers}
    load0 = os.getloadavg()
    for _ in range(args.trials):
        for name, cmd, env in readers:
            results[name].append(trial(cmd, data, args.lines, env))
    load1 = os.getloadavg()
    rate = {n: statistics.median(r for r, _ in v) for n, v in results.items()}
    cpu = {n: statistics.median(c for _, c in v) for n, v in results.items()}
    c_rate, ls_rate = rate[READERS[0][0]], rate[READERS[1][0]]
    c_cpu, ls_cpu = cpu[READERS[0][0]], cpu[READERS[1][0]]
    print("%d lines of 64 bytes over 127.0.0.1, %d trials, medians" %
          (args.lines, args.trials))
    print("%s, %s, %d CPUs, load average %.2f before, %.2f after" %
          (platform.node(), platform.release(), os.cpu_count(), load0[0], load1[0]))
    print()
    print("| reader | lines/s | min..max | vs C | vs LuaSocket "
          "| reader CPU s | CPU: vs C | CPU: vs LuaSocket |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, v in results.items():
        rs = [r for r, _ in v]
        print("| %s | %.2fM | %.2fM..%.2fM | %.2fx | %.2fx | %.3f | %.2fx | %.2fx |" %
              (name, rate[name] / 1e6, min(rs) / 1e6, max(rs) / 1e6,
               rate[name] / c_rate, rate[name] / ls_rate,
               cpu[name], c_cpu / cpu[name], ls_cpu / cpu[name]))
    print()
    print("lines/s: wall clock from accept to the reader's report; vs: ratio "
          "of medians (higher is faster).  CPU: the reader's own CPU time "
          "(os.clock / clock()), less sensitive to other load.")


if __name__ == "__main__":
    main()
